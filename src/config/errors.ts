/**
 * The configuration's error codes (docs/errors.md, "Configuration and serve"): raised while a
 * command reads its configuration, they end it with `error CODE: message` and exit status 1.
 */
import { errorFactory, type ErrorCatalogue } from '../errors.ts';

export const CONFIG_ERRORS = {
  CONFIG_INVALID: { status: 500 },
  CONFIG_INVALID_YAML: { status: 500 },
  CONFIG_FILE_UNREADABLE: { status: 500 },
  CONFIG_INVALID_ARGUMENT: { status: 400 },
  CONFIG_CREDENTIALS_INVALID: { status: 500 },
  CONFIG_CREDENTIALS_UNWRITABLE: { status: 500 },
} as const satisfies ErrorCatalogue;

export const configError = errorFactory(CONFIG_ERRORS);
