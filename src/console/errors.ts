/** The web console's own error codes (docs/errors.md): answered as an HTML page. */
import type { ErrorCatalogue } from '../errors.ts';

export const CONSOLE_ERRORS = {
  CONSOLE_CSRF: { status: 403 },
  CONSOLE_INVALID_FORM: { status: 400 },
  CONSOLE_UNSUPPORTED_MEDIA_TYPE: { status: 415 },
} as const satisfies ErrorCatalogue;
