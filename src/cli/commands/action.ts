/**
 * `firebreak action`: runs one action by hand, the same code path the engine
 * uses: params validated against the action's schema, hard limits enforced by the action itself.
 *
 *   firebreak action --list [--json]
 *   firebreak action <name> [--with <json>] [--dry-run] [--brokers h:p,...] [--timeout ms]
 *   firebreak action <name> --revert <json> [--with <json>] ...
 *
 * Output is JSON on stdout. For a mutating action it carries `prior` and `applied`; feeding that
 * document back with `--revert` undoes the change where nobody changed it since.
 */
import { parseCommandArgs, usageError } from '../args.ts';
import { writeJson } from '../output.ts';
import { EXIT, type Command } from '../types.ts';
import { formatCatalogue } from './action-catalogue.ts';
import { parseRevertDocument, resolveSettings, withActionContext } from './action-session.ts';
import { actionError } from '../../actions/errors.ts';
import { formatDuration } from '../../core/duration.ts';

/** Exit code when a revert left some value alone because it had changed since. */
export const EXIT_REVERT_CONFLICT = 3;

const DEFAULT_TIMEOUT_MS = 30_000;

const USAGE = `Usage: firebreak action --list [--json]
       firebreak action <name> [--with <json>] [--dry-run] [options]
       firebreak action <name> --revert <json> [--with <json>] [options]

Runs one action of the catalogue by hand and prints the result as JSON on stdout.
Parameters are validated against the action's JSON Schema; hard limits (protected
topics, quota and retention floors) apply exactly as for runbooks.

Options:
  --with <json>       action parameters, a JSON object (default {})
  --dry-run           plan only: read live state, print the changes (from -> to), change nothing
  --revert <json>     undo an earlier run: a JSON object with "prior" and "applied", such as the
                      whole output of that run (its "params" are used when --with is absent);
                      values changed since by someone else are left alone (exit 3)
  --brokers <list>    bootstrap brokers, host:port[,host:port...]
                      (default: kafka.brokers from the config file, or FIREBREAK_KAFKA_BROKERS)
  --config <file>     config file (default: FIREBREAK_CONFIG); its safety limits apply
  --timeout <ms>      give up after this many milliseconds (default ${DEFAULT_TIMEOUT_MS})
  --accept-data-loss  let a retention cut delete records a consumer group has not read
                      (refused with ACTION_DATA_LOSS otherwise; --dry-run shows who would lose what)
  --list              list the actions
  --json              with --list: print the catalogue (with parameter schemas) as JSON

Exit codes: 0 done, 1 failed (error CODE: message on stderr), 2 usage error,
${EXIT_REVERT_CONFLICT} revert conflict (the outcome on stdout lists the conflicting keys).

Examples:
  firebreak action kafka.consumerGroupLag --with '{"group":"billing"}' --brokers 10.0.0.1:9092
  firebreak action kafka.setClientQuota --dry-run \\
    --with '{"entity":{"client-id":"loadgen"},"producerByteRate":1048576}'
  firebreak action kafka.setClientQuota --with '...' > quota.json
  firebreak action kafka.setClientQuota --revert "$(cat quota.json)"
`;

export const actionCommand: Command = {
  name: 'action',
  summary: 'Run, plan (--dry-run) or revert one action by hand',
  usage: USAGE,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('action', argv, {
      with: { type: 'string' },
      'dry-run': { type: 'boolean' },
      revert: { type: 'string' },
      brokers: { type: 'string' },
      config: { type: 'string' },
      timeout: { type: 'string' },
      list: { type: 'boolean' },
      json: { type: 'boolean' },
      'accept-data-loss': { type: 'boolean' },
    });

    if (values.list === true) {
      if (positionals.length > 0) throw usageError('action', '--list takes no action name');
      if (values.json === true) writeJson(io.stdout, io.actions.list());
      else io.stdout.write(formatCatalogue(io.actions.list()));
      return EXIT.ok;
    }
    if (values.json === true) throw usageError('action', '--json only goes with --list');
    if (positionals.length !== 1) {
      throw usageError('action', positionals.length === 0 ? 'missing action name (see: firebreak action --list)' : `expected one action name, got ${positionals.join(' ')}`);
    }
    if (values['dry-run'] === true && values.revert !== undefined) throw usageError('action', '--dry-run and --revert cannot be combined');

    const name = positionals[0] as string;
    const action = io.actions.get(name);
    const revertDoc = values.revert === undefined ? undefined : parseRevertDocument(values.revert);
    if (revertDoc !== undefined && action.revert === undefined) {
      throw actionError('ACTION_NOT_REVERSIBLE', `${name} has nothing to revert (it does not change anything)`);
    }
    const rawParams = values.with !== undefined ? parseJsonFlag('--with', values.with) : (revertDoc?.params ?? {});
    // Validate before connecting: a typo fails fast, without touching the cluster.
    const params = io.actions.validateParams(name, rawParams);
    const settings = resolveSettings(io, { brokers: values.brokers, config: values.config, timeout: values.timeout ?? String(DEFAULT_TIMEOUT_MS) });

    return withActionContext(io, name, settings, async (session) => {
      const ctx = values['accept-data-loss'] === true ? { ...session, acknowledged: ['data-loss' as const] } : session;
      if (revertDoc !== undefined) {
        const outcome = await (action.revert as NonNullable<typeof action.revert>)(ctx, params, revertDoc);
        writeJson(io.stdout, { action: name, params, revert: outcome });
        return outcome.status === 'conflict' ? EXIT_REVERT_CONFLICT : EXIT.ok;
      }
      if (values['dry-run'] === true) {
        writeJson(io.stdout, { action: name, params, dryRun: true, plan: await action.plan(ctx, params) });
        return EXIT.ok;
      }
      const result = await action.execute(ctx, params);
      writeJson(io.stdout, { action: name, params, dryRun: false, mutating: action.mutating, ...result });
      // The engine would release such a change at its hold limit; by hand, nothing does.
      if (result.holdLimit !== undefined) {
        io.stderr.write(
          `warning: revert this change within ${formatDuration(result.holdLimit.ms, 'human')} (firebreak action ${name} --revert '<this output>'): ${result.holdLimit.reason}\n`,
        );
      }
      return EXIT.ok;
    }, { mutating: action.mutating && values['dry-run'] !== true });
  },
};

/** Parses a JSON flag value; a syntax error is a usage error naming the flag. */
export function parseJsonFlag(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw usageError('action', `${flag} is not valid JSON: ${(err as Error).message}`);
  }
}
