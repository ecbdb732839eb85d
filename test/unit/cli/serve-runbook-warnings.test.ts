/**
 * `firebreak serve` logs at start the runbook load warnings `firebreak validate` reports
 * (RUNBOOK_HARD_LIMIT, RUNBOOK_UNESCAPED_LABEL), one line each, with file, line and column:
 * a runbook that loads but has a step that can never run must not start silently. Reads the
 * fixture runbooks under test/fixtures/runbooks (never writes).
 */
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { HARD_LIMITS } from '../../../src/actions/types.ts';
import { loadStartupRunbooks } from '../../../src/cli/serve-engine.ts';
import { runCli } from '../../../src/cli/run.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { captureIo } from './cli-io.ts';

const WARNINGS = relative(process.cwd(), join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/runbooks/warnings'));
const VALID = relative(process.cwd(), join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/runbooks/valid'));

function logLines(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: createLogger({ level: 'info' }, sink), lines };
}

/** pino's number for the warn level. */
const WARN = 40;

interface Reported {
  code: string;
  file: string;
  line: number;
  column: number;
}

describe('serve: runbook load warnings at start', () => {
  it('logs each warning validate reports, with its code and position, and still starts', async () => {
    const safety = { ...HARD_LIMITS, minQuotaByteRate: 65_536, protectedTopics: [] };
    const { logger, lines } = logLines();
    const runbooks = await loadStartupRunbooks({ runbooks: WARNINGS, safety }, createActionRegistry(), logger);
    expect(runbooks.runbooks.length).to.be.greaterThan(0);

    const io = captureIo({ actions: createActionRegistry() });
    await runCli(['validate', '--json', WARNINGS], io);
    const validated = JSON.parse(io.out()) as { diagnostics: Reported[]; warnings: Reported[] };
    const expected = [...validated.diagnostics, ...validated.warnings].map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`).sort();
    expect(expected.some((e) => e.endsWith('RUNBOOK_HARD_LIMIT'))).to.equal(true);
    expect(expected.some((e) => e.endsWith('RUNBOOK_UNESCAPED_LABEL'))).to.equal(true);

    const warned = lines.filter((l) => l['level'] === WARN && typeof l['code'] === 'string');
    expect(warned.map((l) => `${String(l['file'])}:${String(l['line'])}:${String(l['column'])} ${String(l['code'])}`).sort()).to.deep.equal(expected);
    const hardLimit = warned.find((l) => l['code'] === 'RUNBOOK_HARD_LIMIT');
    expect(hardLimit?.['msg']).to.match(/^runbook warning: .*hard-limits\.yaml:11:25: RUNBOOK_HARD_LIMIT: steps\[0\]\.with\.producerByteRate: .*can never run$/);
  });

  it('logs no warning for runbooks without any', async () => {
    const { logger, lines } = logLines();
    await loadStartupRunbooks({ runbooks: VALID, safety: { ...HARD_LIMITS, protectedTopics: [] } }, createActionRegistry(), logger);
    expect(lines.filter((l) => l['level'] === WARN)).to.deep.equal([]);
    expect(lines.map((l) => l['msg'])).to.include('runbooks loaded');
  });
});
