/**
 * The configuration firebreak runs with: its TypeScript shape, its JSON Schema (the one source of
 * truth for what is accepted: unknown keys are rejected) and its defaults. docs/configuration.md
 * describes every setting; keep the two in step.
 */
import { LOG_FORMATS, type LogFormat } from '../core/logger.ts';
import { NOTIFY_TARGET_KINDS, type NotifyTarget, type SafetyLimits } from '../model/action.ts';
import { MODES, type EngineLimits, type Mode } from '../model/engine.ts';

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

export const DEFAULT_FAILURE_LIMIT: Readonly<FailureLimitSettings> = Object.freeze({ perClient: 10, total: 100, windowMs: 900_000 });

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

export const DEFAULTS = {
  listen: '127.0.0.1:8080',
  dataDir: './data',
  /** The store defaults to `<dataDir>/firebreak.db`. */
  storeFileName: 'firebreak.db',
  mode: 'dry-run',
  runbooks: './runbooks',
  logLevel: 'info',
  logFormat: 'auto',
  kafkaClientId: 'firebreak',
  webhookBodyBytes: DEFAULT_WEBHOOK_BODY_BYTES,
  apiBodyBytes: 256 * 1024,
  shutdownGraceMs: 25_000,
  minQuotaByteRate: 65_536,
  minRetentionMs: 3_600_000,
  prometheusTimeoutMs: 10_000,
  grafanaTimeoutMs: 5_000,
  notifyTimeoutMs: 5_000,
  httpTimeoutMs: 10_000,
  engineConcurrency: 4,
  postgresPoolSize: 10,
  postgresConnectTimeoutMs: 5_000,
  postgresLockTimeoutMs: 10_000,
  approvalCheckMs: 5_000,
  runLeaseMs: 30_000,
  sessionTtlMs: 12 * 3_600_000,
  reconcileMs: 60_000,
  reconcileGraceMs: 300_000,
  alertmanagerTimeoutMs: 5_000,
  stormMaxNewIncidentsPerNotification: 20,
  stormMaxNewIncidentsPerMinute: 60,
  stormMaxRunStartsPerMinute: 30,
} as const;

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

/** Upper bound of one request to an integration, ms. */
const requestTimeout = { type: 'integer', minimum: 100, maximum: 300_000 };

/** JSON Schema of the configuration file (and of the environment overlay). Unknown keys fail. */
export const CONFIG_SCHEMA: Record<string, unknown> = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  properties: {
    listen: { type: 'string', pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^:\\s\\[\\]]+):\\d{1,5}$' },
    store: { type: 'string', minLength: 1 },
    dataDir: { type: 'string', minLength: 1 },
    postgres: {
      type: 'object',
      additionalProperties: false,
      properties: {
        poolSize: { type: 'integer', minimum: 2, maximum: 200 },
        connectTimeoutMs: { type: 'integer', minimum: 100, maximum: 120_000 },
        lockTimeoutMs: { type: 'integer', minimum: 100, maximum: 300_000 },
        tls: {
          type: 'object',
          additionalProperties: false,
          properties: {
            mode: { enum: [...TLS_MODES] },
            caFile: { type: 'string', minLength: 1 },
            certFile: { type: 'string', minLength: 1 },
            keyFile: { type: 'string', minLength: 1 },
          },
        },
      },
    },
    mode: { enum: [...MODES] },
    runbooks: { type: 'string', minLength: 1 },
    logLevel: { enum: [...LOG_LEVELS] },
    logFormat: { enum: [...LOG_FORMATS] },
    auth: {
      type: 'object',
      additionalProperties: false,
      properties: {
        disabled: { type: 'boolean' },
        failures: {
          type: 'object',
          additionalProperties: false,
          properties: {
            perClient: { type: 'integer', minimum: 1, maximum: 100_000 },
            total: { type: 'integer', minimum: 1, maximum: 1_000_000 },
            windowMs: { type: 'integer', minimum: 1_000, maximum: 86_400_000 },
          },
        },
      },
    },
    trustedProxies: {
      type: 'array',
      maxItems: 100,
      items: { type: 'string', minLength: 2, maxLength: 64, pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$' },
    },
    webhook: {
      type: 'object',
      additionalProperties: false,
      properties: {
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
      },
    },
    apiTokens: {
      type: 'array',
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
    kafka: {
      type: 'object',
      additionalProperties: false,
      properties: {
        brokers: { type: 'array', items: { type: 'string', pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^\\s:,\\[\\]]+):\\d{1,5}$' } },
        clientId: { type: 'string', minLength: 1, maxLength: 255 },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        webhookBodyBytes: byteSize,
        apiBodyBytes: byteSize,
        shutdownGraceMs: { type: 'integer', minimum: 0, maximum: 600_000 },
      },
    },
    safety: {
      type: 'object',
      additionalProperties: false,
      properties: {
        minQuotaByteRate: { type: 'integer', minimum: 1 },
        minRetentionMs: { type: 'integer', minimum: 60_000 },
        protectedTopics: { type: 'array', items: { type: 'string', minLength: 1 } },
      },
    },
    prometheus: {
      type: 'object',
      additionalProperties: false,
      properties: { url: httpUrl, timeoutMs: requestTimeout },
    },
    grafana: {
      type: 'object',
      additionalProperties: false,
      properties: { url: httpUrl, token: secret(1), timeoutMs: requestTimeout, annotations: { type: 'boolean' } },
    },
    notify: {
      type: 'object',
      additionalProperties: false,
      properties: {
        targets: {
          type: 'object',
          propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['url', 'kind'],
            properties: { url: httpUrl, kind: { enum: [...NOTIFY_TARGET_KINDS] } },
          },
        },
        timeoutMs: requestTimeout,
        subscriptions: {
          type: 'object',
          propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
          additionalProperties: { type: 'array', uniqueItems: true, items: { enum: [...NOTIFICATION_EVENTS] } },
        },
      },
    },
    publicUrl: { type: 'string', maxLength: 2048, pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$' },
    console: {
      type: 'object',
      additionalProperties: false,
      properties: {
        sessionTtlMs: { type: 'integer', minimum: 60_000, maximum: 2_592_000_000 },
      },
    },
    storm: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxNewIncidentsPerNotification: { type: 'integer', minimum: 1, maximum: 100_000 },
        maxNewIncidentsPerMinute: { type: 'integer', minimum: 1, maximum: 100_000 },
        maxRunStartsPerMinute: { type: 'integer', minimum: 1, maximum: 100_000 },
      },
    },
    engine: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cooldownMs: { type: 'integer', minimum: 0, maximum: 604_800_000 },
        maxRunsPerHour: { type: 'integer', minimum: 1, maximum: 1_000 },
        maxTopicsPerIncident: { type: 'integer', minimum: 1, maximum: 10_000 },
        maxClientsPerIncident: { type: 'integer', minimum: 1, maximum: 10_000 },
        stepTimeoutMs: { type: 'integer', minimum: 100, maximum: 86_400_000 },
        concurrency: { type: 'integer', minimum: 1, maximum: 64 },
        approvalCheckMs: { type: 'integer', minimum: 100, maximum: 3_600_000 },
        timerPollMs: { type: 'integer', minimum: 10, maximum: 60_000 },
        revertRetryMs: { type: 'integer', minimum: 10, maximum: 3_600_000 },
        revertRetryMaxMs: { type: 'integer', minimum: 10, maximum: 86_400_000 },
        revertEscalateMs: { type: 'integer', minimum: 0, maximum: 604_800_000 },
        episodeWindowMs: { type: 'integer', minimum: 0, maximum: 604_800_000 },
        loopBreakerCycles: { type: 'integer', minimum: 1, maximum: 100 },
        loopBreakerWindowMs: { type: 'integer', minimum: 1_000, maximum: 604_800_000 },
        escalationTarget: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
        runLeaseMs: { type: 'integer', minimum: 1_000, maximum: 600_000 },
      },
    },
    alertmanager: {
      type: 'object',
      additionalProperties: false,
      properties: {
        urls: { type: 'array', maxItems: 16, items: httpUrl },
        reconcileMs: { type: 'integer', minimum: 100, maximum: 3_600_000 },
        graceMs: { type: 'integer', minimum: 0, maximum: 86_400_000 },
        timeoutMs: requestTimeout,
      },
    },
    http: {
      type: 'object',
      additionalProperties: false,
      properties: {
        allowHosts: { type: 'array', items: { type: 'string', pattern: '^(\\*\\.)?([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(:\\d{1,5})?$' } },
        timeoutMs: requestTimeout,
      },
    },
  },
};
