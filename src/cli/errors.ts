/**
 * The command line's own error codes (docs/errors.md, "CLI" and the operator commands). Commands
 * that act through a server print the server's code instead.
 */
import { errorFactory, type ErrorCatalogue } from '../errors.ts';

export const CLI_ERRORS = {
  CLI_USAGE: { status: 400 },
  CLI_UNKNOWN_COMMAND: { status: 400 },
  CLI_SERVER_UNREACHABLE: { status: 503, retriable: true },
  /** The server answered an error without a firebreak body: its status is the server's. */
  CLI_SERVER_ERROR: { status: null },
  SERVE_LISTEN_FAILED: { status: 500 },
  SIMULATE_INPUT_INVALID: { status: 400 },
} as const satisfies ErrorCatalogue;

export const cliError = errorFactory(CLI_ERRORS);
