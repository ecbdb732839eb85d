/**
 * The one error type of firebreak. Every error that crosses a module boundary is a
 * {@link FirebreakError} with a stable `code` (documented in docs/errors.md), a `retriable`
 * flag that the executor's retry loop trusts, an HTTP status for the API boundary and an
 * optional `cause` and machine-readable `details`.
 *
 * Codes are UPPER_SNAKE strings prefixed by their domain (KAFKA_, ACTION_, WEBHOOK_, AUTH_,
 * STORE_, RUNBOOK_, CONFIG_, ...), each declared once with its status in its domain's
 * {@link ErrorCatalogue} and raised through that catalogue's {@link errorFactory}. A code, once
 * published, never changes meaning: tests and operators match on it.
 */
export interface FirebreakErrorOptions {
  /** Whether repeating the same operation later may succeed. Default false. */
  retriable?: boolean;
  /** HTTP status when this error reaches the API boundary. Default 500. */
  statusCode?: number;
  cause?: unknown;
  /** JSON-serialisable context (offending field, file:line, broker error name...). */
  details?: Record<string, unknown>;
}

export class FirebreakError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly statusCode: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: FirebreakErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FirebreakError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.statusCode = options.statusCode ?? 500;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      retriable: this.retriable,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isFirebreakError(value: unknown): value is FirebreakError {
  return value instanceof FirebreakError;
}

/**
 * What a domain declares of each of its codes: the HTTP status it answers with (`null`: it never
 * becomes an answer, e.g. a warning, a value written on the timeline or a command's exit) and
 * whether repeating the operation may succeed (default false).
 */
export interface ErrorSpec {
  readonly status: number | null;
  readonly retriable?: boolean;
}

/**
 * One domain's error codes, declared once, each with its status: `{ CODE: { status } }`. The
 * domains' catalogues together are every code firebreak produces, and docs/errors.md lists
 * exactly those (test/unit/packaging/error-codes.test.ts).
 */
export type ErrorCatalogue = Readonly<Record<string, ErrorSpec>>;

/**
 * The error factory of a catalogue: `(code, message, options)` takes the status and the
 * retriable flag from the declaration. A call passes `statusCode` or `retriable` only where they
 * depend on the case (a timeout of a read-only step is retriable, one of a change is not).
 */
export function errorFactory<const C extends ErrorCatalogue>(catalogue: C): (code: keyof C & string, message: string, options?: FirebreakErrorOptions) => FirebreakError {
  return (code, message, options = {}) => {
    const spec: ErrorSpec = catalogue[code]!;
    return new FirebreakError(code, message, { statusCode: spec.status ?? 500, retriable: spec.retriable ?? false, ...options });
  };
}

/** The codes every layer may produce. */
export const COMMON_ERRORS = {
  INTERNAL: { status: 500 },
} as const satisfies ErrorCatalogue;

/** Wraps anything thrown into a FirebreakError, keeping FirebreakErrors as they are. */
export function toFirebreakError(value: unknown, fallbackCode: string = 'INTERNAL'): FirebreakError {
  if (value instanceof FirebreakError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new FirebreakError(fallbackCode, message, { cause: value });
}
