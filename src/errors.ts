/**
 * The one error type of firebreak. Every error that crosses a module boundary is a
 * {@link FirebreakError} with a stable `code` (documented in docs/errors.md), a `retriable`
 * flag that the executor's retry loop trusts, an HTTP status for the API boundary and an
 * optional `cause` and machine-readable `details`.
 *
 * Codes are UPPER_SNAKE strings prefixed by their domain (KAFKA_, ACTION_, WEBHOOK_, AUTH_,
 * STORE_, RUNBOOK_, CONFIG_, ...). A code, once published, never changes meaning: tests and
 * operators match on it.
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

/** Wraps anything thrown into a FirebreakError, keeping FirebreakErrors as they are. */
export function toFirebreakError(value: unknown, fallbackCode = 'INTERNAL'): FirebreakError {
  if (value instanceof FirebreakError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new FirebreakError(fallbackCode, message, { cause: value });
}
