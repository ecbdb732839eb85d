/**
 * Log lines for a person at a terminal: readable lines when the destination is a terminal or
 * `pretty` is asked for, JSON lines otherwise; secrets are redacted in both.
 */
import { expect } from 'chai';
import { loadConfig } from '../../../src/config/load.ts';
import { createLogger, resolveLogFormat } from '../../../src/core/logger.ts';
import { runCli } from '../../../src/cli/run.ts';
import { captureIo } from '../cli/cli-io.ts';

function sink(isTTY: boolean): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const stream = { isTTY, write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
  return { stream, text: () => text };
}

describe('log format', () => {
  it('writes one readable line per event in pretty mode, without colours off a terminal, secrets redacted', () => {
    const out = sink(false);
    const logger = createLogger({ level: 'info' }, out.stream, 'pretty');
    logger.child({ module: 'engine' }).info({ url: 'http://127.0.0.1:8080', headers: { authorization: 'Bearer s3cret-token' } }, 'listening');
    const line = out.text();
    expect(line).to.match(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: listening \{.*"module":"engine".*\}\n$/);
    expect(line).to.include('"url":"http://127.0.0.1:8080"').and.to.include('[redacted]').and.not.to.include('s3cret-token');
    expect(line).not.to.include('\u001b[');
  });

  it('is readable on a terminal and JSON elsewhere when the format is auto', () => {
    expect(resolveLogFormat('auto', { isTTY: true })).to.equal('pretty');
    expect(resolveLogFormat('auto', { isTTY: false })).to.equal('json');
    expect(resolveLogFormat('auto', {})).to.equal('json');
    expect(resolveLogFormat('json', { isTTY: true })).to.equal('json');
    const terminal = sink(true);
    createLogger({}, terminal.stream, 'auto').warn('disk filling');
    expect(terminal.text()).to.include('disk filling').and.not.to.match(/^\{/);
    const pipe = sink(false);
    createLogger({}, pipe.stream, 'auto').warn('disk filling');
    expect(JSON.parse(pipe.text())).to.include({ level: 40, msg: 'disk filling' });
  });

  it('is set by logFormat, FIREBREAK_LOG_FORMAT or serve --log-format, and refuses other values', async () => {
    expect(loadConfig({ env: {}, argv: [], readFile: () => '' }).logFormat).to.equal('auto');
    expect(loadConfig({ env: { FIREBREAK_LOG_FORMAT: 'pretty' }, argv: [], readFile: () => '' }).logFormat).to.equal('pretty');
    expect(() => loadConfig({ env: { FIREBREAK_LOG_FORMAT: 'text' }, argv: [], readFile: () => '' })).to.throw(/logFormat/);
    const io = captureIo();
    expect(await runCli(['serve', '--log-format', 'text'], io)).to.equal(2);
    expect(io.err()).to.match(/^error CLI_USAGE: --log-format must be one of auto, json, pretty, got text\n/);
  });
});
