/**
 * `firebreak store copy --from <sqlite file> --to <postgres url>`: moves an existing SQLite store
 * into an empty PostgreSQL database (src/store/copy.ts) and prints what it verified.
 */
import { existsSync } from 'node:fs';
import { loadConfig } from '../../config/load.ts';
import { parseCommandArgs, usageError } from '../args.ts';
import { writeJson } from '../output.ts';
import { EXIT, type Command } from '../types.ts';
import { storeError } from '../../store/errors.ts';

const USAGE = `Usage: firebreak store copy --from <sqlite file> --to <postgres url> [--config <file>]

Copies a SQLite store into an empty PostgreSQL database, every record with its id, in one
transaction, then verifies the copy: the row count of every table and a SHA-256 of the whole
timeline, read back from both. Prints the report as JSON; exit 0 only when everything matches.

Stop the firebreak that writes the SQLite file first. The PostgreSQL database is migrated and
must hold no notification and no incident. TLS and timeouts come from the postgres.* settings
(config file or FIREBREAK_POSTGRES_* variables), as for serve.

Options:
  --from <file>     the SQLite store (e.g. data/firebreak.db)
  --to <url>        postgres://user:password@host:port/database (or FIREBREAK_STORE when it is one)
  --config <file>   config file (default: FIREBREAK_CONFIG)

Exit codes: 0 copied and verified, 1 failed or not verified, 2 usage error.
`;

export const storeCommand: Command = {
  name: 'store',
  summary: 'Copy a SQLite store into PostgreSQL (store copy), verified',
  usage: USAGE,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('store', argv, {
      from: { type: 'string' },
      to: { type: 'string' },
      config: { type: 'string' },
    });
    if (positionals[0] !== 'copy' || positionals.length !== 1) throw usageError('store', 'the only subcommand is: store copy --from <sqlite file> --to <postgres url>');
    const config = loadConfig({ env: io.env, argv: values.config === undefined ? [] : ['--config', values.config], readFile: io.readFile });
    // The stores (node:sqlite, pg) are loaded only when this command runs.
    const [{ copySqliteToPostgres }, { isPostgresUrl, postgresTls }] = await Promise.all([import('../../store/copy.ts'), import('../../store/open.ts')]);
    const from = values.from;
    const to = values.to ?? (isPostgresUrl(config.store) ? config.store : undefined);
    if (from === undefined || from === '') throw usageError('store', '--from <sqlite file> is required');
    if (to === undefined || !isPostgresUrl(to)) throw usageError('store', '--to must be a postgres:// URL');
    if (!existsSync(from)) throw storeError('STORE_FILE_ERROR', `no SQLite store at ${from}`, { details: { path: from } });
    const report = await copySqliteToPostgres({
      from,
      to: {
        url: to,
        tls: postgresTls(config.postgres.tls),
        connectTimeoutMs: config.postgres.connectTimeoutMs,
        lockTimeoutMs: config.postgres.lockTimeoutMs,
        poolSize: 2,
        logger: io.logger,
        clock: io.clock,
      },
      logger: io.logger,
      clock: io.clock,
    });
    writeJson(io.stdout, report);
    if (!report.verified) {
      io.stderr.write('error STORE_COPY_NOT_VERIFIED: the copy does not match the source (see the report); do not switch to it\n');
      return EXIT.failed;
    }
    io.stderr.write(`copied ${report.tables.reduce((n, t) => n + t.copied, 0)} rows in ${report.tables.length} tables; counts and timeline checksum match\n`);
    return EXIT.ok;
  },
};
