/**
 * Loads the configuration: an optional YAML file (`--config <path>` or `FIREBREAK_CONFIG`), then
 * the `FIREBREAK_*` environment variables over it, each layer validated against
 * {@link CONFIG_SCHEMA} (unknown keys fail with their path), then the schema's defaults, then frozen.
 *
 * {@link loadConfig} is pure: the environment, the arguments and file reading are passed in, so
 * unit tests exercise every rule without a disk.
 */
import { loadAll as parseYamlDocuments, YAMLException } from 'js-yaml';
import { posix } from 'node:path';
import { FirebreakError } from '../errors.ts';
import { CONFIG_FILE_VARIABLE, readEnvOverlay, type Env } from './environment.ts';
import { compileSchema, formatProblem, type CompileOptions, type SchemaProblem } from '../core/json-schema.ts';
import { CONFIG_SCHEMA, fillConfigDefaults, STORE_FILE_NAME, type Config, type ConfigInput } from './schema.ts';
import { configError } from './errors.ts';

export interface LoadConfigInput {
  env: Env;
  /** Command-line arguments after the command name; only `--config <path>` is read here. */
  argv?: readonly string[];
  /** Reads a UTF-8 text file (the config file, `*_FILE` secrets); throws when it cannot. */
  readFile: (path: string) => string;
}

/** How the configuration is checked against CONFIG_SCHEMA (its validator is precompiled). */
export const CONFIG_CHECK_OPTIONS: CompileOptions = { allErrors: true };

/**
 * Returns the validated, frozen configuration.
 * @throws FirebreakError CONFIG_INVALID (bad value or unknown key; message and details name the
 *   file path or variable and the key), CONFIG_INVALID_YAML, CONFIG_FILE_UNREADABLE,
 *   CONFIG_INVALID_ARGUMENT.
 */
export function loadConfig(input: LoadConfigInput): Config {
  const check = compileSchema(CONFIG_SCHEMA, CONFIG_CHECK_OPTIONS);
  const configPath = configPathFrom(input.argv ?? [], input.env);

  let fileLayer: ConfigInput = {};
  if (configPath !== undefined) {
    fileLayer = readConfigFile(configPath, input.readFile);
    const problems = check(fileLayer);
    if (problems.length > 0) throw invalidConfig(`config file ${configPath}`, problems, { source: 'file', file: configPath });
  }

  const overlay = readEnvOverlay(input.env, input.readFile);
  const envProblems = check(overlay.config);
  if (envProblems.length > 0) {
    const first = envProblems[0] as SchemaProblem;
    const variable = variableFor(first.path, overlay.sources);
    throw invalidConfig(`environment ${variable}`, envProblems, { source: 'environment', variable });
  }

  const merged = mergeLayers(fileLayer, overlay.config);
  const config = withDefaults(merged);
  checkConsistency(config);
  return deepFreeze(config);
}

/** `--config <path>`, `--config=<path>`, `-c <path>`, else `FIREBREAK_CONFIG`, else none. */
export function configPathFrom(argv: readonly string[], env: Env): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith('--config=')) return nonEmptyArgument(arg.slice('--config='.length));
    if (arg === '--config' || arg === '-c') return nonEmptyArgument(argv[i + 1]);
  }
  const fromEnv = env[CONFIG_FILE_VARIABLE];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

function nonEmptyArgument(value: string | undefined): string {
  if (value === undefined || value === '' || value.startsWith('-')) {
    throw configError('CONFIG_INVALID_ARGUMENT', '--config needs a file path');
  }
  return value;
}

function readConfigFile(path: string, readFile: (path: string) => string): ConfigInput {
  let text: string;
  try {
    text = readFile(path);
  } catch (cause) {
    throw configError('CONFIG_FILE_UNREADABLE', `cannot read config file ${path}`, { cause, details: { file: path } });
  }
  if (text.trim() === '') return {};
  let documents: unknown[];
  try {
    documents = parseYamlDocuments(text);
  } catch (cause) {
    const mark = cause instanceof YAMLException ? cause.mark : undefined;
    const where = mark === undefined ? '' : `:${mark.line + 1}:${mark.column + 1}`;
    const reason = cause instanceof YAMLException ? cause.reason : String(cause);
    throw configError('CONFIG_INVALID_YAML', `config file ${path}${where}: ${reason}`, {
      cause,
      details: { file: path, ...(mark === undefined ? {} : { line: mark.line + 1, column: mark.column + 1 }) },
    });
  }
  if (documents.length > 1) {
    throw invalidConfig(`config file ${path}`, [{ path: '', message: 'must hold one YAML document, not several' }], { source: 'file', file: path });
  }
  // A file with only comments holds no document: no settings.
  const document = documents[0];
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw invalidConfig(`config file ${path}`, [{ path: '', message: 'must be a mapping of settings' }], { source: 'file', file: path });
  }
  return document as ConfigInput;
}

function variableFor(pointer: string, sources: Map<string, string>): string {
  for (const [prefix, variable] of sources) {
    if (pointer === prefix || pointer.startsWith(`${prefix}/`)) return variable;
  }
  return 'FIREBREAK_*';
}

function invalidConfig(where: string, problems: SchemaProblem[], details: Record<string, unknown>): FirebreakError {
  const shown = problems.slice(0, 5).map(formatProblem).join('; ');
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
  return configError('CONFIG_INVALID', `${where}: ${shown}${more}`, {
    details: { ...details, path: problems[0]?.path ?? '', problems },
  });
}

/** Objects merge key by key; anything else (arrays included) from the later layer wins. */
function mergeLayers(base: ConfigInput, over: ConfigInput): ConfigInput {
  const out: ConfigInput = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeLayers(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is ConfigInput {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The merged layers with the schema's defaults filled in (CONFIG_SCHEMA declares them all), and
 * what no schema default can say: the store under `dataDir`, byte sizes as bytes, `publicUrl`
 * without a trailing slash.
 */
function withDefaults(input: ConfigInput): Config {
  const config = structuredClone(input);
  fillConfigDefaults(config);
  const filled = config as unknown as Config;
  filled.store ??= posix.join(filled.dataDir, STORE_FILE_NAME);
  filled.limits.webhookBodyBytes = parseByteSize(filled.limits.webhookBodyBytes);
  filled.limits.apiBodyBytes = parseByteSize(filled.limits.apiBodyBytes);
  if (filled.publicUrl !== null) filled.publicUrl = filled.publicUrl.replace(/\/+$/, '');
  return filled;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `16mb`, `16MiB`, `16m` -> 16777216 (units are powers of 1024); integers pass through. */
export function parseByteSize(value: unknown): number {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+)\s*([kmg]?)i?b?\s*$/i.exec(String(value));
  if (match === null) throw configError('CONFIG_INVALID', `not a byte size: ${String(value)}`);
  const bytes = Number(match[1]) * (UNITS[(match[2] ?? '').toLowerCase()] ?? 1);
  if (bytes < 1) throw configError('CONFIG_INVALID', `byte size must be at least 1: ${String(value)}`);
  return bytes;
}

/** Rules a schema cannot express: listen port range, unique token names and values. */
function checkConsistency(config: Config): void {
  const port = Number(config.listen.slice(config.listen.lastIndexOf(':') + 1));
  if (port > 65_535) fail('/listen', 'port must be 0..65535');
  const names = new Set<string>();
  const tokens = new Set<string>();
  if (config.webhook.token !== undefined) tokens.add(config.webhook.token);
  config.apiTokens.forEach((entry, index) => {
    if (names.has(entry.name)) fail(`/apiTokens/${index}/name`, `duplicate token name ${entry.name}`);
    if (tokens.has(entry.token)) fail(`/apiTokens/${index}/token`, 'the same token is used twice (API tokens and the webhook token must all differ)');
    names.add(entry.name);
    tokens.add(entry.token);
  });
  for (const target of Object.keys(config.notify.subscriptions)) {
    if (!Object.hasOwn(config.notify.targets, target)) {
      const known = Object.keys(config.notify.targets).sort();
      fail(`/notify/subscriptions/${target}`, `no notification target "${target}" is configured (notify.targets${known.length === 0 ? ' is empty' : `: ${known.join(', ')}`})`);
    }
  }
  const { tls } = config.postgres;
  if ((tls.certFile === null) !== (tls.keyFile === null)) fail('/postgres/tls', 'certFile and keyFile go together');
  if (tls.mode === 'disable' && (tls.caFile !== null || tls.certFile !== null)) {
    fail('/postgres/tls/mode', 'certificate files are set but mode is disable; set mode to verify-full (or require)');
  }
  const target = config.engine.escalationTarget;
  if (target !== null && !Object.hasOwn(config.notify.targets, target)) {
    const known = Object.keys(config.notify.targets).sort();
    fail('/engine/escalationTarget', `no notify target "${target}" (notify.targets${known.length === 0 ? ' is empty' : `: ${known.join(', ')}`})`);
  }
}

function fail(path: string, message: string): never {
  throw configError('CONFIG_INVALID', `config ${path}: ${message}`, { details: { path } });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
