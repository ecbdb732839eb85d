/**
 * The `serve` command's entry in the command table: its usage here, its implementation
 * (serve.ts: the app, the store, the HTTP server and everything they load) loaded only when the
 * command runs, so other commands start without it.
 */
import type { Command } from './types.ts';

const USAGE = `Usage: firebreak serve [--config <file>] [--log-format auto|json|pretty]

Runs the Alertmanager webhook receiver and the HTTP API until SIGTERM or SIGINT.

Options:
  -c, --config <file>  YAML config file (default: FIREBREAK_CONFIG; none: defaults + environment)
  --log-format <fmt>   auto (readable lines on a terminal, JSON lines otherwise), json or
                       pretty (default: logFormat in the config, FIREBREAK_LOG_FORMAT, else auto)

Every setting can be set by an environment variable (FIREBREAK_LISTEN, FIREBREAK_STORE,
FIREBREAK_WEBHOOK_TOKEN, FIREBREAK_API_TOKENS, ...): see docs/configuration.md.
With no credentials configured, the first start writes a webhook token and an admin token
to <dataDir>/credentials.json (mode 0600) and logs the file's path.

Logs: on stdout, JSON lines unless stdout is a terminal. Exit status 0 after a clean shutdown.
`;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the Alertmanager webhook receiver and the HTTP API',
  usage: USAGE,
  run: async (argv, io) => (await import('./serve.ts')).runServe(argv, io),
};
