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
      expect(io.err()).to.match(/^error CLI_UNKNOWN_COMMAND: unknown command "frobnicate"; the commands are serve, action, /);
      expect(io.err()).to.contain('\n  see: firebreak --help\n');
      expect(io.err()).not.to.contain('{');
      expect(io.out()).to.equal('');
    }
  });

  it('suggests the command or flag a typo was meant to be', async () => {
    const command = captureIo();
    expect(await runCli(['simulat', 'x.json'], command)).to.equal(2);
    expect(command.err()).to.equal('error CLI_UNKNOWN_COMMAND: unknown command "simulat"; did you mean "simulate"?\n  see: firebreak --help\n');
    const flag = captureIo();
    expect(await runCli(['simulate', 'x.json', '--brokrs', 'a:1'], flag)).to.equal(2);
    expect(flag.err()).to.match(/^error CLI_USAGE: unknown option --brokrs for simulate; did you mean --brokers\?\n/);
    const value = captureIo();
    expect(await runCli(['validate', '--config'], value)).to.equal(2);
    expect(value.err()).to.match(/^error CLI_USAGE: --config needs a value\n/);
  });

  it('prints the version for --version', async () => {
    for (const flag of ['--version', '-V']) {
      const io = captureIo();
      expect(await runCli([flag], io)).to.equal(0);
      expect(io.out()).to.match(/^firebreak \d+\.\d+\.\d+\n$/);
    }
  });

  it('rejects unknown flags with exit 2, before or after the command', async () => {
    const before = captureIo();
    expect(await runCli(['--frob', 'action'], before)).to.equal(2);
    expect(before.err()).to.match(/^error CLI_USAGE: unknown option --frob/);
    const after = captureIo();
    expect(await runCli(['action', 'kafka.describeCluster', '--frob'], after)).to.equal(2);
    expect(after.err()).to.match(/^error CLI_USAGE: unknown option --frob for action; its options: /);
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
