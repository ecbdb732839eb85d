/**
 * How the operator commands call the API of a running `serve` (see src/config/api-client.ts for
 * where the URL and token come from). An error answer becomes a FirebreakError with the server's
 * code and message, so the CLI prints exactly what the API said; a server that cannot be reached
 * is CLI_SERVER_UNREACHABLE.
 */
import { resolveApiClient } from '../../config/api-client.ts';
import { FirebreakError } from '../../errors.ts';
import type { CliIo } from '../types.ts';
import { cliError } from '../errors.ts';

/** Flags every operator command takes. */
export const CLIENT_FLAGS = {
  url: { type: 'string' },
  config: { type: 'string', short: 'c' },
} as const;

export const CLIENT_USAGE = `  --url <url>          firebreak server (default: FIREBREAK_URL, else http://<listen> from the config)
  -c, --config <file>  config file (default: FIREBREAK_CONFIG)

Token: FIREBREAK_TOKEN (or FIREBREAK_TOKEN_FILE), else a configured responder/admin token, else
the admin token serve generated in <dataDir>/credentials.json (a relative dataDir, such as the
default ./data, is looked up here and then in the installation directory, where npm start runs).`;

const TIMEOUT_MS = 120_000;

export async function callApi(io: CliIo, flags: { url?: string; config?: string }, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const client = resolveApiClient({ env: io.env, readFile: io.readFile, ...(flags.url === undefined ? {} : { url: flags.url }), ...(flags.config === undefined ? {} : { config: flags.config }) });
  const headers: Record<string, string> = { accept: 'application/json' };
  if (client.token !== null) headers.authorization = `Bearer ${client.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${client.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw cliError('CLI_SERVER_UNREACHABLE', `cannot reach firebreak at ${client.url}: ${(err as Error).message}`, {
      cause: err,
      details: { url: client.url },
    });
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const error = (parsed ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
    const noToken = response.status === 401 && client.token === null;
    throw new FirebreakError(error.code ?? 'CLI_SERVER_ERROR', noToken ? noTokenMessage(client.url, client.searched ?? []) : (error.message ?? `${method} ${path} answered ${response.status}`), {
      statusCode: response.status,
      retriable: response.status >= 500,
      details: {
        ...(error.details ?? {}),
        status: response.status,
        ...(response.status === 401 ? { token: client.tokenSource } : {}),
        ...(noToken ? { hint: 'set FIREBREAK_TOKEN (or FIREBREAK_TOKEN_FILE), or FIREBREAK_DATA_DIR to the data directory of that serve' } : {}),
      },
    });
  }
  return parsed;
}

/** Why no token was sent, said where a person can act on it. */
function noTokenMessage(url: string, searched: string[]): string {
  const where = searched.length === 0 ? '' : `, and no generated credentials in ${searched.join(' or ')}`;
  return `firebreak at ${url} needs an operator token and none was found: FIREBREAK_TOKEN is not set, no responder or admin token is configured${where}`;
}
