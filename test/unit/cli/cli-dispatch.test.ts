import { expect } from 'chai';
import { extractGlobalFlags, runCli } from '../../../src/cli/run.ts';
import type { Command } from '../../../src/cli/types.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { captureIo } from './cli-io.ts';

const failing: Command = {
  name: 'explode',
  summary: 'fails on purpose',
  usage: 'Usage: firebreak explode',
  run: async () => {
    throw new FirebreakError('TEST_BOOM', 'it went boom', { details: { where: 'here' }, cause: new Error('root cause') });
  },
};

const crashing: Command = { name: 'crash', summary: 'throws a plain error', usage: 'Usage: firebreak crash', run: async () => JSON.parse('{') as number };

describe('CLI dispatch', () => {
  it('prints the command list for --help and exits 0', async () => {
    const io = captureIo();
    expect(await runCli(['--help'], io)).to.equal(0);
    expect(io.out()).to.include('Usage: firebreak <command>');
    // The name column is as wide as the longest command name, so match the padding loosely.
    expect(io.out()).to.match(/\n {2}action +Run, plan \(--dry-run\) or revert one action/);
    expect(io.err()).to.equal('');
  });

  it('prints usage on stderr and exits 2 without a command', async () => {
    const io = captureIo();
    expect(await runCli([], io)).to.equal(2);
    expect(io.err()).to.include('Usage: firebreak <command>');
  });

  it('prints a command\'s usage for `help <command>` and `<command> --help`', async () => {
    for (const argv of [['help', 'action'], ['action', '--help'], ['action', 'kafka.describeCluster', '-h']]) {
      const io = captureIo();
      expect(await runCli(argv, io), argv.join(' ')).to.equal(0);
      expect(io.out()).to.include('Usage: firebreak action --list');
    }
  });

  it('rejects an unknown command with exit 2 and names it', async () => {
    for (const argv of [['frobnicate'], ['help', 'frobnicate']]) {
      const io = captureIo();
      expect(await runCli(argv, io)).to.equal(2);
      expect(io.err()).to.match(/^error CLI_UNKNOWN_COMMAND: unknown command "frobnicate"\n/);
      expect(io.out()).to.equal('');
    }
  });

  it('rejects unknown flags with exit 2, before or after the command', async () => {
    const before = captureIo();
    expect(await runCli(['--frob', 'action'], before)).to.equal(2);
    expect(before.err()).to.match(/^error CLI_USAGE: unknown option --frob/);
    const after = captureIo();
    expect(await runCli(['action', 'kafka.describeCluster', '--frob'], after)).to.equal(2);
    expect(after.err()).to.match(/^error CLI_USAGE: Unknown option '--frob'/);
  });

  it('prints failures as `error CODE: message` plus details, exit 1, no stack trace', async () => {
    const io = captureIo();
    expect(await runCli(['explode'], io, [failing])).to.equal(1);
    expect(io.err()).to.match(/^error TEST_BOOM: it went boom\n {2}details: \{\n/);
    expect(io.err()).to.include('"where": "here"');
    expect(io.err()).not.to.include('    at ');
  });

  it('prints the stack and causes with --debug', async () => {
    const io = captureIo({ debug: true });
    expect(await runCli(['explode'], io, [failing])).to.equal(1);
    expect(io.err()).to.include('    at ').and.to.include('caused by: Error: root cause');
  });

  it('reports an unexpected exception as INTERNAL', async () => {
    const io = captureIo();
    expect(await runCli(['crash'], io, [crashing])).to.equal(1);
    expect(io.err()).to.match(/^error INTERNAL: /);
  });

  it('takes --debug from anywhere before a -- terminator', () => {
    expect(extractGlobalFlags(['action', '--debug', 'x'])).to.deep.equal({ debug: true, argv: ['action', 'x'] });
    expect(extractGlobalFlags(['action', '--', '--debug'])).to.deep.equal({ debug: false, argv: ['action', '--', '--debug'] });
  });
});
