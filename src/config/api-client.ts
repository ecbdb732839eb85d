/**
 * Where the operator commands of the CLI (`pause`, `resume`, `revert`, `approve`, `reject`) send
 * their requests, and with which token. They talk to a running `firebreak serve` through its HTTP
 * API, so every change is made, checked and recorded in one place, with the token's name as the
 * actor. Resolution:
 *
 * - URL: `--url`, else `FIREBREAK_URL`, else `http://<listen>` from the configuration (a
 *   wildcard host becomes 127.0.0.1), which is right for a local `serve`.
 * - Token: `FIREBREAK_TOKEN` (or `FIREBREAK_TOKEN_FILE`), else the first configured API token with
 *   at least the responder role, else the admin token `serve` generated in
 *   `<dataDir>/credentials.json` on its first start; none when authentication is disabled.
 *
 * A relative data directory (the default `./data`) is relative to where `serve` was started,
 * which for `npm start` is the installation directory. So a relative `<dataDir>` without
 * credentials in the current directory is also looked up in the installation directory: an
 * operator command run from anywhere finds the token of the `npm start` it talks to.
 */
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FirebreakError } from '../errors.ts';
import { CREDENTIALS_FILE } from './credentials.ts';
import type { Env } from './environment.ts';
import { loadConfig } from './load.ts';

export interface ApiClientSettings {
  /** Base URL without a trailing slash. */
  url: string;
  token: string | null;
  /** Where the token came from (never the token itself), for messages. */
  tokenSource: string;
  /** With no token: the credentials files looked for, for the message when the server asks for one. */
  searched?: string[];
}

/** Where firebreak is installed (the directory `npm start` runs in). */
export const INSTALL_DIR = fileURLToPath(new URL('../../', import.meta.url));

export const URL_VARIABLE = 'FIREBREAK_URL';
export const TOKEN_VARIABLE = 'FIREBREAK_TOKEN';

function invalid(message: string): FirebreakError {
  return new FirebreakError('CLI_USAGE', message, { statusCode: 400, details: { hint: 'see: firebreak help pause' } });
}

function urlFromListen(listen: string): string {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon);
  const port = Number(listen.slice(colon + 1));
  if (port === 0) throw invalid(`the configured listen address ${listen} has no fixed port: pass --url or set ${URL_VARIABLE}`);
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;
  return `http://${reachable}:${port}`;
}

/** The credentials files to look in, in order: `<dataDir>`, and for a relative one the installation's too. */
export function credentialsCandidates(dataDir: string, installDir: string = INSTALL_DIR): string[] {
  const here = join(dataDir, CREDENTIALS_FILE);
  return isAbsolute(dataDir) ? [here] : [...new Set([here, join(installDir, dataDir, CREDENTIALS_FILE)])];
}

export function resolveApiClient(input: { env: Env; readFile: (path: string) => string; config?: string; url?: string; installDir?: string }): ApiClientSettings {
  const { env, readFile } = input;
  const config = loadConfig({ env, argv: input.config === undefined ? [] : ['--config', input.config], readFile });
  const rawUrl = input.url ?? (env[URL_VARIABLE] === undefined || env[URL_VARIABLE] === '' ? undefined : env[URL_VARIABLE]);
  const url = rawUrl ?? urlFromListen(config.listen);
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw invalid(`not an http(s) URL: ${url}`);

  const direct = env[TOKEN_VARIABLE];
  if (direct !== undefined && direct !== '') return { url: url.replace(/\/+$/, ''), token: direct.trim(), tokenSource: TOKEN_VARIABLE };
  const file = env[`${TOKEN_VARIABLE}_FILE`];
  if (file !== undefined && file !== '') {
    let text: string;
    try {
      text = readFile(file);
    } catch (cause) {
      throw new FirebreakError('CONFIG_FILE_UNREADABLE', `${TOKEN_VARIABLE}_FILE: cannot read ${file}`, { cause, details: { file } });
    }
    return { url: url.replace(/\/+$/, ''), token: text.trim(), tokenSource: `${TOKEN_VARIABLE}_FILE` };
  }
  const configured = config.apiTokens.find((t) => t.role !== 'viewer');
  if (configured !== undefined) return { url: url.replace(/\/+$/, ''), token: configured.token, tokenSource: `apiTokens (${configured.name})` };
  const searched = credentialsCandidates(config.dataDir, input.installDir);
  for (const path of searched) {
    try {
      const stored = JSON.parse(readFile(path)) as { apiTokens?: Array<{ role?: string; token?: string }> };
      const generated = stored.apiTokens?.find((t) => t.role === 'admin' && typeof t.token === 'string');
      if (generated?.token !== undefined) return { url: url.replace(/\/+$/, ''), token: generated.token, tokenSource: path };
    } catch {
      // Not there (or not readable): try the next place.
    }
  }
  // No generated credentials: send no token (works when authentication is disabled).
  return { url: url.replace(/\/+$/, ''), token: null, tokenSource: 'none', searched };
}
