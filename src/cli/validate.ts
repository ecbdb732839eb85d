/**
 * `firebreak validate [paths...]`: loads runbook files exactly as the server does, against the
 * real action catalogue, runs nothing, and prints every problem as `file:line:col: CODE: path:
 * message` (or JSON with `--json`). Exit 0 when every runbook is valid, 1 otherwise.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { formatDiagnostic, sortDiagnostics, type RunbookDiagnostic, runbookError } from '../runbooks/diagnostics.ts';
import { loadRunbooks } from '../runbooks/load.ts';
import { catalogFromRegistry } from '../runbooks/params.ts';
import { parseCommandArgs } from './args.ts';
import { writeJson } from './output.ts';
import { EXIT, type Command } from './types.ts';

const USAGE = `Usage: firebreak validate [paths...] [--json] [--config <file>]

Checks runbooks without running anything: YAML syntax, the runbook schema (unknown keys
are errors), matchers, duplicate names and step ids, actions and their literal parameters
(against the real action catalogue), templates and the variables they read, step rules.

Paths are runbook files or directories of *.yaml / *.yml files. Without a path: the
configured runbooks directory (runbooks: in the config file, FIREBREAK_RUNBOOKS), by
default ./runbooks.

A value the actions' hard limits refuse whatever the alert (a quota of 0 or below
safety.minQuotaByteRate, a retention below the floor, an internal or protected topic) is a
problem (RUNBOOK_HARD_LIMIT): that step could never run. The safety limits come from the
configuration (--config, FIREBREAK_*).

Output: one line per problem, file:line:col: CODE: path: message, then a summary. Warnings
(file:line:col: warning CODE: path: message) point at runbooks that load but are risky as
written, such as a label put into a prometheus.query unescaped (RUNBOOK_UNESCAPED_LABEL);
they do not change the exit status.

Options:
  --json               print {"ok", "files", "runbooks", "diagnostics"} as JSON instead
  -c, --config <file>  config file: the runbooks directory and the safety limits (default: FIREBREAK_CONFIG)

Exit codes: 0 all runbooks valid, 1 problems found (or no runbook file), 2 usage error.
`;

/** Load warnings that fail validation: the step they point at can never run. */
const FAILS_VALIDATION = new Set(['RUNBOOK_HARD_LIMIT']);

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check runbook files: syntax, schema, matchers, actions, parameters, templates',
  usage: USAGE,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('validate', argv, {
      json: { type: 'boolean' },
      config: { type: 'string', short: 'c' },
    });
    const configArgs = values.config === undefined ? [] : ['--config', values.config];
    const config = loadConfig({ env: io.env, argv: configArgs, readFile: io.readFile });
    const paths = positionals.length === 0 ? [config.runbooks] : positionals;
    assertPathsExist(paths, positionals.length === 0);

    const result = await loadRunbooks(paths, { catalog: catalogFromRegistry(io.actions), limits: config.safety });
    // A step the actions' hard limits refuse every time loads (the server blocks it and says why),
    // but a runbook shipped with one is a mistake: it fails validation.
    const fatal = (result.warnings ?? []).filter((w) => FAILS_VALIDATION.has(w.code));
    const diagnostics: RunbookDiagnostic[] = sortDiagnostics([...result.diagnostics, ...fatal], result.files);
    if (result.files.length === 0 && diagnostics.length === 0) {
      for (const path of paths) {
        diagnostics.push({ code: 'RUNBOOK_FILE', message: 'no *.yaml or *.yml runbook files', file: path, line: 1, column: 1, path: '' });
      }
    }
    const ok = diagnostics.length === 0;
    const warnings = (result.warnings ?? []).filter((w) => !FAILS_VALIDATION.has(w.code));

    if (values.json === true) {
      writeJson(io.stdout, {
        ok,
        files: result.files,
        runbooks: result.runbooks.map((r) => ({ name: r.name, file: r.origin.file, line: r.origin.line, steps: r.steps.length })),
        diagnostics,
        warnings,
      });
    } else {
      for (const d of diagnostics) io.stdout.write(`${formatDiagnostic(d)}\n`);
      for (const w of warnings) io.stdout.write(`${formatDiagnostic(w).replace(`: ${w.code}: `, `: warning ${w.code}: `)}\n`);
      const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
      if (ok) {
        const warned = warnings.length === 0 ? '' : ` (${plural(warnings.length, 'warning')})`;
        io.stdout.write(`${plural(result.runbooks.length, 'runbook')} in ${plural(result.files.length, 'file')}: OK${warned}\n`);
      } else {
        const broken = new Set(diagnostics.map((d) => d.file)).size;
        io.stdout.write(`${plural(diagnostics.length, 'problem')} in ${plural(broken, 'file')}\n`);
      }
    }
    return ok ? EXIT.ok : EXIT.failed;
  },
};

/**
 * A path that is not there is a mistake on the command line (or a command run from another
 * directory), not a problem inside a runbook: it is said as such, not as a `file:1:1:` line.
 */
function assertPathsExist(paths: string[], configured: boolean): void {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return;
  const [first] = missing as [string];
  const message = configured
    ? `no runbooks directory ${first} (${resolve(first)} does not exist)`
    : `no such file or directory: ${missing.join(', ')}`;
  throw runbookError('RUNBOOK_FILE', message, {
    details: {
      hint: configured
        ? 'name the runbooks to check (firebreak validate <file or directory>...), run it where the runbooks directory is, or set FIREBREAK_RUNBOOKS (runbooks: in the config file)'
        : 'check the path; a directory contributes its *.yaml and *.yml files',
    },
  });
}
