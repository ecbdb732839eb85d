/**
 * The environment overlay: which `FIREBREAK_*` variable sets which config key, and how its text
 * is read. This module (with the rest of src/config/) is the only place that reads environment
 * variables; it receives them as a plain object so tests never touch `process.env`.
 *
 * Conventions: an empty variable counts as unset; lists are comma-separated; `<NAME>_FILE`
 * variants of the secret variables name a file holding the value (container secrets).
 */
import { FirebreakError } from '../errors.ts';
import { ROLES, type ApiToken, type ConfigInput, type Role } from './schema.ts';
import { configError } from './errors.ts';

export type Env = Readonly<Record<string, string | undefined>>;

interface EnvSetting {
  variable: string;
  /** Where the value lands in the config document. */
  path: readonly string[];
  parse: (raw: string, variable: string) => unknown;
  /** Accept `<variable>_FILE` naming a file that holds the value. */
  fromFile?: boolean;
}

/** Every environment variable firebreak reads, in documentation order. */
export const ENV_SETTINGS: readonly EnvSetting[] = [
  { variable: 'FIREBREAK_LISTEN', path: ['listen'], parse: asString },
  { variable: 'FIREBREAK_STORE', path: ['store'], parse: asString, fromFile: true },
  { variable: 'FIREBREAK_POSTGRES_POOL_SIZE', path: ['postgres', 'poolSize'], parse: asInteger },
  { variable: 'FIREBREAK_POSTGRES_TLS_MODE', path: ['postgres', 'tls', 'mode'], parse: asString },
  { variable: 'FIREBREAK_POSTGRES_TLS_CA', path: ['postgres', 'tls', 'caFile'], parse: asString },
  { variable: 'FIREBREAK_POSTGRES_TLS_CERT', path: ['postgres', 'tls', 'certFile'], parse: asString },
  { variable: 'FIREBREAK_POSTGRES_TLS_KEY', path: ['postgres', 'tls', 'keyFile'], parse: asString },
  { variable: 'FIREBREAK_DATA_DIR', path: ['dataDir'], parse: asString },
  { variable: 'FIREBREAK_MODE', path: ['mode'], parse: asString },
  { variable: 'FIREBREAK_RUNBOOKS', path: ['runbooks'], parse: asString },
  { variable: 'FIREBREAK_LOG_LEVEL', path: ['logLevel'], parse: asString },
  { variable: 'FIREBREAK_LOG_FORMAT', path: ['logFormat'], parse: asString },
  { variable: 'FIREBREAK_AUTH_DISABLED', path: ['auth', 'disabled'], parse: asBoolean },
  { variable: 'FIREBREAK_WEBHOOK_TOKEN', path: ['webhook', 'token'], parse: asString, fromFile: true },
  { variable: 'FIREBREAK_WEBHOOK_BASIC_AUTH', path: ['webhook', 'basicAuth'], parse: asBasicAuth, fromFile: true },
  { variable: 'FIREBREAK_API_TOKENS', path: ['apiTokens'], parse: parseApiTokens, fromFile: true },
  { variable: 'FIREBREAK_KAFKA_BROKERS', path: ['kafka', 'brokers'], parse: asList },
  { variable: 'FIREBREAK_KAFKA_CLIENT_ID', path: ['kafka', 'clientId'], parse: asString },
  { variable: 'FIREBREAK_WEBHOOK_BODY_LIMIT', path: ['limits', 'webhookBodyBytes'], parse: asString },
  { variable: 'FIREBREAK_API_BODY_LIMIT', path: ['limits', 'apiBodyBytes'], parse: asString },
  { variable: 'FIREBREAK_SHUTDOWN_GRACE_MS', path: ['limits', 'shutdownGraceMs'], parse: asInteger },
  { variable: 'FIREBREAK_PROMETHEUS_URL', path: ['prometheus', 'url'], parse: asString },
  { variable: 'FIREBREAK_GRAFANA_URL', path: ['grafana', 'url'], parse: asString },
  { variable: 'FIREBREAK_GRAFANA_TOKEN', path: ['grafana', 'token'], parse: asString, fromFile: true },
  { variable: 'FIREBREAK_NOTIFY_TARGETS', path: ['notify', 'targets'], parse: asJsonObject, fromFile: true },
  { variable: 'FIREBREAK_NOTIFY_SUBSCRIPTIONS', path: ['notify', 'subscriptions'], parse: asJsonObject },
  { variable: 'FIREBREAK_PUBLIC_URL', path: ['publicUrl'], parse: asString },
  { variable: 'FIREBREAK_CONSOLE_SESSION_TTL_MS', path: ['console', 'sessionTtlMs'], parse: asInteger },
  { variable: 'FIREBREAK_AUTH_FAILURES_PER_CLIENT', path: ['auth', 'failures', 'perClient'], parse: asInteger },
  { variable: 'FIREBREAK_AUTH_FAILURES_TOTAL', path: ['auth', 'failures', 'total'], parse: asInteger },
  { variable: 'FIREBREAK_AUTH_FAILURES_WINDOW_MS', path: ['auth', 'failures', 'windowMs'], parse: asInteger },
  { variable: 'FIREBREAK_TRUSTED_PROXIES', path: ['trustedProxies'], parse: asList },
  { variable: 'FIREBREAK_HTTP_ALLOW_HOSTS', path: ['http', 'allowHosts'], parse: asList },
  { variable: 'FIREBREAK_ALERTMANAGER_URLS', path: ['alertmanager', 'urls'], parse: asList },
];

/** Names the config file when `--config` is not given. */
export const CONFIG_FILE_VARIABLE = 'FIREBREAK_CONFIG';

/** The result of reading the environment: a partial config and which variable set which key. */
export interface EnvOverlay {
  config: ConfigInput;
  /** JSON pointer (`/webhook/token`) -> the variable it came from, to name it in errors. */
  sources: Map<string, string>;
}

/**
 * Reads every known variable into a partial config document.
 * @throws FirebreakError CONFIG_INVALID when a variable cannot be read (the message names the
 *   variable, never its value), CONFIG_FILE_UNREADABLE when a `_FILE` variant cannot be read.
 */
export function readEnvOverlay(env: Env, readFile: (path: string) => string): EnvOverlay {
  const config: ConfigInput = {};
  const sources = new Map<string, string>();
  for (const setting of ENV_SETTINGS) {
    const found = rawValue(env, setting, readFile);
    if (found === undefined) continue;
    setIn(config, setting.path, setting.parse(found.raw, found.variable));
    sources.set(`/${setting.path.join('/')}`, found.variable);
  }
  return { config, sources };
}

function rawValue(
  env: Env,
  setting: EnvSetting,
  readFile: (path: string) => string,
): { raw: string; variable: string } | undefined {
  const direct = nonEmpty(env[setting.variable]);
  const fileVariable = `${setting.variable}_FILE`;
  const file = setting.fromFile === true ? nonEmpty(env[fileVariable]) : undefined;
  if (direct !== undefined && file !== undefined) {
    throw invalid(setting.variable, `set either ${setting.variable} or ${fileVariable}, not both`);
  }
  if (direct !== undefined) return { raw: direct, variable: setting.variable };
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFile(file);
  } catch (cause) {
    throw configError('CONFIG_FILE_UNREADABLE', `${fileVariable}: cannot read ${file}`, {
      cause,
      details: { variable: fileVariable, file },
    });
  }
  // Secret files usually end with a newline that is not part of the secret.
  return { raw: text.replace(/\r?\n$/, ''), variable: fileVariable };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function setIn(target: ConfigInput, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next === 'object' && next !== null) node = next as ConfigInput;
    else node = node[key] = {};
  }
  node[path[path.length - 1] as string] = value;
}

function invalid(variable: string, message: string): FirebreakError {
  return configError('CONFIG_INVALID', `environment ${variable}: ${message}`, {
    details: { source: 'environment', variable },
  });
}

function asString(raw: string): string {
  return raw.trim();
}

function asList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function asBoolean(raw: string, variable: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw invalid(variable, 'must be true or false');
}

function asInteger(raw: string, variable: string): number {
  if (!/^\s*\d+\s*$/.test(raw)) throw invalid(variable, 'must be a whole number');
  return Number(raw.trim());
}

/** A JSON object (`{"ops": {"url": "...", "kind": "slack"}}`); the message never echoes the text. */
function asJsonObject(raw: string, variable: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalid(variable, 'must be a JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(variable, 'must be a JSON object');
  return value as Record<string, unknown>;
}

function asBasicAuth(raw: string, variable: string): { username: string; password: string } {
  const colon = raw.indexOf(':');
  if (colon <= 0 || colon === raw.length - 1) throw invalid(variable, 'must be username:password');
  return { username: raw.slice(0, colon), password: raw.slice(colon + 1) };
}

/**
 * Parses the operator token list: `name:role:token` entries separated by commas, e.g.
 * `alice:responder:3f6c...,grafana:viewer:9a1b...`. The token is everything after the second
 * colon, so it may contain colons but not commas or whitespace. Errors name the entry by position
 * and never echo a token.
 */
export function parseApiTokens(raw: string, variable = 'FIREBREAK_API_TOKENS'): ApiToken[] {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.map((entry, index) => {
    const first = entry.indexOf(':');
    const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
    if (first <= 0 || second < 0 || second === entry.length - 1) {
      throw invalid(variable, `entry ${index + 1} must be name:role:token`);
    }
    const name = entry.slice(0, first);
    const role = entry.slice(first + 1, second);
    if (!(ROLES as readonly string[]).includes(role)) {
      throw invalid(variable, `entry ${index + 1} (${name}): role must be one of ${ROLES.join(', ')}`);
    }
    return { name, role: role as Role, token: entry.slice(second + 1) };
  });
}
