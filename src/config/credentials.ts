/**
 * Credentials the server checks: the configured ones, or, on a first start with none configured,
 * generated ones kept in `<dataDir>/credentials.json` (mode 0600) and reused at every later start.
 * Nothing here ever logs a secret: only the file's path.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/logger.ts';
import { ROLES, type ApiToken, type BasicAuthCredentials, type Config } from './schema.ts';
import { configError } from './errors.ts';

/** What the HTTP layer authenticates against. */
export interface AuthSettings {
  /** No checks at all (explicit `auth.disabled: true`). */
  disabled: boolean;
  webhook: { token?: string; basicAuth?: BasicAuthCredentials };
  apiTokens: ApiToken[];
}

export const CREDENTIALS_FILE = 'credentials.json';

/** Name of the generated operator token (role admin). */
export const GENERATED_ADMIN_NAME = 'admin';

interface CredentialsFile {
  createdAt: string;
  webhook: { token: string };
  apiTokens: ApiToken[];
}

/** A fresh random secret: 32 bytes, base64url (43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Resolves the credentials to enforce. Configured webhook credentials and API tokens win; a kind
 * that is not configured comes from the credentials file, which is created on first need.
 * @throws FirebreakError CONFIG_CREDENTIALS_INVALID when the file exists but is not one firebreak
 *   wrote; CONFIG_CREDENTIALS_UNWRITABLE when it cannot be created.
 */
export async function resolveCredentials(
  config: Pick<Config, 'webhook' | 'apiTokens' | 'dataDir'> & { auth: Pick<Config['auth'], 'disabled'> },
  deps: { logger: Logger; now: () => Date },
): Promise<AuthSettings> {
  const configured: AuthSettings = {
    disabled: config.auth.disabled,
    webhook: { ...config.webhook },
    apiTokens: [...config.apiTokens],
  };
  if (config.auth.disabled) return configured;
  const needWebhook = config.webhook.token === undefined && config.webhook.basicAuth === undefined;
  const needApi = config.apiTokens.length === 0;
  if (!needWebhook && !needApi) return configured;

  const path = join(config.dataDir, CREDENTIALS_FILE);
  const stored = (await readCredentialsFile(path, deps.logger)) ?? (await createCredentialsFile(path, deps));
  return {
    disabled: false,
    webhook: needWebhook ? { token: stored.webhook.token } : configured.webhook,
    apiTokens: needApi ? stored.apiTokens : configured.apiTokens,
  };
}

async function readCredentialsFile(path: string, logger: Logger): Promise<CredentialsFile | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw configError('CONFIG_CREDENTIALS_INVALID', `cannot read ${path}`, { cause: error, details: { file: path } });
  }
  const parsed = parseCredentials(text);
  if (parsed === null) {
    throw configError('CONFIG_CREDENTIALS_INVALID', `${path} is not a firebreak credentials file; remove it to generate new credentials`, {
      details: { file: path },
    });
  }
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    logger.warn({ path, mode: mode.toString(8) }, 'credentials file is readable by other users; chmod 600 it');
  }
  logger.info({ path }, 'using generated credentials');
  return parsed;
}

function parseCredentials(text: string): CredentialsFile | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const file = value as Partial<CredentialsFile> | null;
  if (typeof file?.webhook?.token !== 'string' || !Array.isArray(file.apiTokens)) return null;
  const tokensOk = file.apiTokens.every(
    (t) => typeof t?.name === 'string' && typeof t.token === 'string' && (ROLES as readonly string[]).includes(t.role),
  );
  return tokensOk && file.apiTokens.length > 0 ? (file as CredentialsFile) : null;
}

async function createCredentialsFile(path: string, deps: { logger: Logger; now: () => Date }): Promise<CredentialsFile> {
  const file: CredentialsFile = {
    createdAt: deps.now().toISOString(),
    webhook: { token: generateToken() },
    apiTokens: [{ name: GENERATED_ADMIN_NAME, role: 'admin', token: generateToken() }],
  };
  const dir = join(path, '..');
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Written under a temporary name with mode 0600 from the first byte, synced, then renamed:
    // a crash leaves either no file or a complete one, never a readable partial secret.
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (cause) {
    throw configError('CONFIG_CREDENTIALS_UNWRITABLE', `cannot write ${path}`, { cause, details: { file: path } });
  }
  deps.logger.warn(
    { path },
    'no credentials configured: generated a webhook token and an admin API token; read them from this file',
  );
  return file;
}
