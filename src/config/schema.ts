/**
 * The configuration firebreak runs with: its TypeScript shape and its JSON Schema, the one source
 * of truth for what is accepted (unknown keys are rejected) and for every default (each key's
 * `default`, applied by ajv's useDefaults in load.ts; {@link CONFIG_DEFAULTS} is what they make).
 * docs/configuration.md describes every setting and its default
 * (test/unit/config/documented-defaults.test.ts keeps the two in step).
 */
import { LOG_FORMATS, type LogFormat } from '../core/logger.ts';
import { NOTIFY_TARGET_KINDS, type NotifyTarget, type SafetyLimits } from '../model/action.ts';
import { DEFAULT_ENGINE_LIMITS, MODES, type EngineLimits, type Mode } from '../model/engine.ts';
import { defaultsFiller } from '../core/json-schema.ts';

/** Events the notifier sends to subscribed targets (docs/console.md#notifications). */
export const NOTIFICATION_EVENTS = ['approval-requested', 'containment-applied', 'containment-released', 'escalated', 'resolved', 'status-update'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** Operator roles, each including the ones before it: viewer < responder < admin. */
export const ROLES = ['viewer', 'responder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** How a PostgreSQL store's connections use TLS (`postgres.tls.mode`). */
export const TLS_MODES = ['disable', 'require', 'verify-full'] as const;
export type TlsMode = (typeof TLS_MODES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** An operator credential for the HTTP API. */
export interface ApiToken {
  /** Who uses it; recorded as the actor of every write made with it. */
  name: string;
  role: Role;
  token: string;
}

export interface BasicAuthCredentials {
  username: string;
  password: string;
}

/** Limits on failed attempts with an operator token (see src/http/failure-limit.ts). */
export interface FailureLimitSettings {
  /** Failed attempts one client address may make within the window. */
  perClient: number;
  /** Failed attempts of all clients within the window after which clients that failed are refused. */
  total: number;
  windowMs: number;
}

export interface Config {
  /** `host:port` the HTTP server listens on; port 0 asks the OS for a free port. */
  listen: string;
  /** SQLite file path, or a `postgres://` URL (several replicas on one PostgreSQL database). */
  store: string;
  /** Settings of a PostgreSQL store (ignored for SQLite). */
  postgres: {
    /** Connections per replica. */
    poolSize: number;
    /** Give up connecting after this long, ms. */
    connectTimeoutMs: number;
    /** How long a write waits for another replica's transaction before a retriable 503, ms. */
    lockTimeoutMs: number;
    tls: {
      mode: TlsMode;
      /** Files (PEM) of the CA to trust, and of a client certificate and key. */
      caFile: string | null;
      certFile: string | null;
      keyFile: string | null;
    };
  };
  /** Directory for the default store and generated credentials. */
  dataDir: string;
  mode: Mode;
  /** Directory of runbook YAML files. */
  runbooks: string;
  logLevel: LogLevel;
  /** `auto` (pretty on a terminal, JSON otherwise), `json` or `pretty`. */
  logFormat: LogFormat;
  auth: {
    /** Explicit opt-out of every credential check (logged as a warning at each start). */
    disabled: boolean;
    /**
     * Failed attempts with an operator token (console sign-in, API) a client address may make
     * within `windowMs`, and all clients together, before they are refused (src/http/failure-limit.ts).
     */
    failures: FailureLimitSettings;
  };
  /**
   * Proxies (addresses or CIDR ranges) in front of this server whose `X-Forwarded-For` and
   * `X-Forwarded-Proto` are believed: the client address of the failure limit and `Secure`
   * cookies behind a TLS-terminating proxy. Empty: the connection's own address.
   */
  trustedProxies: string[];
  webhook: {
    /** Bearer token Alertmanager sends (`http_config.authorization.credentials`). */
    token?: string;
    /** Basic auth Alertmanager sends (`http_config.basic_auth`). */
    basicAuth?: BasicAuthCredentials;
  };
  apiTokens: ApiToken[];
  kafka: {
    brokers: string[];
    clientId: string;
  };
  limits: {
    /** Largest webhook body accepted, bytes. */
    webhookBodyBytes: number;
    /** Largest API request body accepted, bytes. */
    apiBodyBytes: number;
    /** How long a graceful shutdown waits for in-flight requests and processing, ms. */
    shutdownGraceMs: number;
  };
  safety: SafetyLimits;
  /** The Prometheus `prometheus.query` asks; `url` null: not configured. */
  prometheus: { url: string | null; timeoutMs: number };
  grafana: {
    url: string | null;
    /** Service account token (role Editor, or annotations:create + annotations:write). */
    token: string | null;
    timeoutMs: number;
    /** Mirror incident timelines as annotations (when url and token are set). */
    annotations: boolean;
  };
  /**
   * Where `notify` may post, by name; and which events each target receives without any runbook
   * step (`subscriptions`: target name -> events, see src/record/notification-events.ts).
   */
  notify: { targets: Record<string, NotifyTarget>; timeoutMs: number; subscriptions: Record<string, NotificationEvent[]> };
  /**
   * The URL people reach this server at (`https://firebreak.example.com`), without a trailing
   * slash; links in notifications are absolute with it. null: links are paths only.
   */
  publicUrl: string | null;
  /** The web console served at `/`. */
  console: {
    /** How long a console session lasts after sign-in, ms. */
    sessionTtlMs: number;
  };
  /** Hosts `http.request` may call (`host` or `host:port`, `*.` for subdomains). */
  http: { allowHosts: string[]; timeoutMs: number };
  /** Alert storms: caps on new incidents and on runs started (src/incidents/storm.ts). */
  storm: {
    /** New incidents one notification may open; past it, alerts fold into storm incidents. */
    maxNewIncidentsPerNotification: number;
    /** New incidents opened within a minute; past it, alerts fold into storm incidents. */
    maxNewIncidentsPerMinute: number;
    /** Runs the engine starts within a minute; past it, runs wait (pending) for the next minute. */
    maxRunStartsPerMinute: number;
  };
  /** The runbook engine: default cooldown and rate limit, per-incident caps, step timeout. */
  engine: EngineLimits & {
    /** Runs of different incidents executed at once. */
    concurrency: number;
    /** How often pending approvals are checked for expiry, ms. */
    approvalCheckMs: number;
    /** How long a replica holds a run without a heartbeat before another takes it over, ms. */
    runLeaseMs: number;
  };
  /**
   * Reconciliation of open containments with Alertmanager's API v2 (resolves that never
   * arrived): its peers' URLs (any one answering is enough; none: reconciliation off), how often,
   * and how long an alert must be missing there before it counts as resolved.
   */
  alertmanager: { urls: string[]; reconcileMs: number; graceMs: number; timeoutMs: number };
}

/** The file's and the environment's view before defaults: every key optional. */
export type ConfigInput = Record<string, unknown>;

/**
 * Default webhook body limit. Measured: 1,000 alerts with 20 labels and ~2.5 KiB of annotations
 * each serialise to about 3.0 MiB (see test/unit/ingest/webhook-body-size.test.ts); 16 MiB leaves
 * room for larger annotations while still bounding memory per request.
 */
export const DEFAULT_WEBHOOK_BODY_BYTES = 16 * 1024 * 1024;

/** The store defaults to `<dataDir>/firebreak.db` (the one default that depends on another key). */
export const STORE_FILE_NAME = 'firebreak.db';

/** A byte size: an integer, or a string such as `16mb`, `512KiB`, `1048576`. */
const byteSize = {
  anyOf: [
    { type: 'integer', minimum: 1 },
    { type: 'string', pattern: '^\\s*\\d+\\s*([kKmMgG]i?[bB]?|[bB])?\\s*$' },
  ],
};

const secret = (minLength: number) => ({ type: 'string', minLength, maxLength: 4096, pattern: '^\\S+$' });

/** An absolute http(s) URL. */
const httpUrl = { type: 'string', maxLength: 2048, pattern: '^https?://[^\\s/?#]+[^\\s]*$' };

/** Upper bound of one request to an integration, ms, with its default. */
const requestTimeout = (defaultMs: number) => ({ type: 'integer', minimum: 100, maximum: 300_000, default: defaultMs });

/** A section of settings: an object of known keys, present (so its keys' defaults apply) when not given. */
const section = (properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, default: {}, properties });

/** A key that is unset unless given: `null` in the configuration (`none` in the docs). */
const unset = (schema: Record<string, unknown>) => ({ ...schema, default: null });

/** A list of strings, empty unless given. */
const list = (items: Record<string, unknown>, more: Record<string, unknown> = {}) => ({ type: 'array', ...more, items, default: [] });

/**
 * JSON Schema of the configuration file (and of the environment overlay). Unknown keys fail.
 * Every key's default is its `default` here; `store` alone has none (`<dataDir>/firebreak.db`).
 */
export const CONFIG_SCHEMA: Record<string, unknown> = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  properties: {
    listen: { type: 'string', pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^:\\s\\[\\]]+):\\d{1,5}$', default: '127.0.0.1:8080' },
    store: { type: 'string', minLength: 1 },
    dataDir: { type: 'string', minLength: 1, default: './data' },
    postgres: section({
      poolSize: { type: 'integer', minimum: 2, maximum: 200, default: 10 },
      connectTimeoutMs: { type: 'integer', minimum: 100, maximum: 120_000, default: 5_000 },
      lockTimeoutMs: { type: 'integer', minimum: 100, maximum: 300_000, default: 10_000 },
      tls: section({
        mode: { enum: [...TLS_MODES], default: 'disable' },
        caFile: unset({ type: 'string', minLength: 1 }),
        certFile: unset({ type: 'string', minLength: 1 }),
        keyFile: unset({ type: 'string', minLength: 1 }),
      }),
    }),
    mode: { enum: [...MODES], default: 'dry-run' },
    runbooks: { type: 'string', minLength: 1, default: './runbooks' },
    logLevel: { enum: [...LOG_LEVELS], default: 'info' },
    logFormat: { enum: [...LOG_FORMATS], default: 'auto' },
    auth: section({
      disabled: { type: 'boolean', default: false },
      failures: section({
        perClient: { type: 'integer', minimum: 1, maximum: 100_000, default: 10 },
        total: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 100 },
        windowMs: { type: 'integer', minimum: 1_000, maximum: 86_400_000, default: 900_000 },
      }),
    }),
    trustedProxies: list({ type: 'string', minLength: 2, maxLength: 64, pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$' }, { maxItems: 100 }),
    webhook: section({
      token: secret(16),
      basicAuth: {
        type: 'object',
        additionalProperties: false,
        required: ['username', 'password'],
        properties: {
          username: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^:\\s]+$' },
          password: secret(12),
        },
      },
    }),
    apiTokens: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'role', 'token'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$' },
          role: { enum: [...ROLES] },
          token: { ...secret(16), pattern: '^[^\\s,]+$' },
        },
      },
    },
    kafka: section({
      brokers: list({ type: 'string', pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^\\s:,\\[\\]]+):\\d{1,5}$' }),
      clientId: { type: 'string', minLength: 1, maxLength: 255, default: 'firebreak' },
    }),
    limits: section({
      webhookBodyBytes: { ...byteSize, default: DEFAULT_WEBHOOK_BODY_BYTES },
      apiBodyBytes: { ...byteSize, default: 256 * 1024 },
      shutdownGraceMs: { type: 'integer', minimum: 0, maximum: 600_000, default: 25_000 },
    }),
    safety: section({
      minQuotaByteRate: { type: 'integer', minimum: 1, default: 65_536 },
      minRetentionMs: { type: 'integer', minimum: 60_000, default: 3_600_000 },
      protectedTopics: list({ type: 'string', minLength: 1 }),
    }),
    prometheus: section({ url: unset(httpUrl), timeoutMs: requestTimeout(10_000) }),
    grafana: section({ url: unset(httpUrl), token: unset(secret(1)), timeoutMs: requestTimeout(5_000), annotations: { type: 'boolean', default: true } }),
    notify: section({
      targets: {
        type: 'object',
        default: {},
        propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          required: ['url', 'kind'],
          properties: { url: httpUrl, kind: { enum: [...NOTIFY_TARGET_KINDS] } },
        },
      },
      timeoutMs: requestTimeout(5_000),
      subscriptions: {
        type: 'object',
        default: {},
        propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
        additionalProperties: { type: 'array', uniqueItems: true, items: { enum: [...NOTIFICATION_EVENTS] } },
      },
    }),
    publicUrl: unset({ type: 'string', maxLength: 2048, pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$' }),
    console: section({
      sessionTtlMs: { type: 'integer', minimum: 60_000, maximum: 2_592_000_000, default: 12 * 3_600_000 },
    }),
    storm: section({
      maxNewIncidentsPerNotification: { type: 'integer', minimum: 1, maximum: 100_000, default: 20 },
      maxNewIncidentsPerMinute: { type: 'integer', minimum: 1, maximum: 100_000, default: 60 },
      maxRunStartsPerMinute: { type: 'integer', minimum: 1, maximum: 100_000, default: 30 },
    }),
    // The engine's limits default to DEFAULT_ENGINE_LIMITS (src/model/engine.ts), which the engine
    // also uses when built without a configuration.
    engine: section({
      cooldownMs: { type: 'integer', minimum: 0, maximum: 604_800_000, default: DEFAULT_ENGINE_LIMITS.cooldownMs },
      maxRunsPerHour: { type: 'integer', minimum: 1, maximum: 1_000, default: DEFAULT_ENGINE_LIMITS.maxRunsPerHour },
      maxTopicsPerIncident: { type: 'integer', minimum: 1, maximum: 10_000, default: DEFAULT_ENGINE_LIMITS.maxTopicsPerIncident },
      maxClientsPerIncident: { type: 'integer', minimum: 1, maximum: 10_000, default: DEFAULT_ENGINE_LIMITS.maxClientsPerIncident },
      stepTimeoutMs: { type: 'integer', minimum: 100, maximum: 86_400_000, default: DEFAULT_ENGINE_LIMITS.stepTimeoutMs },
      concurrency: { type: 'integer', minimum: 1, maximum: 64, default: 4 },
      approvalCheckMs: { type: 'integer', minimum: 100, maximum: 3_600_000, default: 5_000 },
      timerPollMs: { type: 'integer', minimum: 10, maximum: 60_000, default: DEFAULT_ENGINE_LIMITS.timerPollMs },
      revertRetryMs: { type: 'integer', minimum: 10, maximum: 3_600_000, default: DEFAULT_ENGINE_LIMITS.revertRetryMs },
      revertRetryMaxMs: { type: 'integer', minimum: 10, maximum: 86_400_000, default: DEFAULT_ENGINE_LIMITS.revertRetryMaxMs },
      revertEscalateMs: { type: 'integer', minimum: 0, maximum: 604_800_000, default: DEFAULT_ENGINE_LIMITS.revertEscalateMs },
      episodeWindowMs: { type: 'integer', minimum: 0, maximum: 604_800_000, default: DEFAULT_ENGINE_LIMITS.episodeWindowMs },
      loopBreakerCycles: { type: 'integer', minimum: 1, maximum: 100, default: DEFAULT_ENGINE_LIMITS.loopBreakerCycles },
      loopBreakerWindowMs: { type: 'integer', minimum: 1_000, maximum: 604_800_000, default: DEFAULT_ENGINE_LIMITS.loopBreakerWindowMs },
      escalationTarget: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', default: DEFAULT_ENGINE_LIMITS.escalationTarget },
      templateCpuMs: { type: 'integer', minimum: 10, maximum: 10_000, default: DEFAULT_ENGINE_LIMITS.templateCpuMs },
      runLeaseMs: { type: 'integer', minimum: 1_000, maximum: 600_000, default: 30_000 },
    }),
    alertmanager: section({
      urls: list(httpUrl, { maxItems: 16 }),
      reconcileMs: { type: 'integer', minimum: 100, maximum: 3_600_000, default: 60_000 },
      graceMs: { type: 'integer', minimum: 0, maximum: 86_400_000, default: 300_000 },
      timeoutMs: requestTimeout(5_000),
    }),
    http: section({
      allowHosts: list({ type: 'string', pattern: '^(\\*\\.)?([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(:\\d{1,5})?$' }),
      timeoutMs: requestTimeout(10_000),
    }),
  },
};

/** Fills in the schema's defaults (load.ts applies it to the validated layers, merged). */
export const fillConfigDefaults = defaultsFiller(CONFIG_SCHEMA);

/**
 * What the defaults make of an empty configuration: every key but `store`, with byte sizes as
 * bytes. For code that needs a default without loading a configuration (tests, tools).
 */
export const CONFIG_DEFAULTS = deepFreeze(
  (() => {
    const value: Record<string, unknown> = {};
    fillConfigDefaults(value);
    return value as unknown as Omit<Config, 'store'>;
  })(),
);

/** Limits on failed operator-token attempts when none are configured. */
export const DEFAULT_FAILURE_LIMIT: Readonly<FailureLimitSettings> = CONFIG_DEFAULTS.auth.failures;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
