import { expect } from 'chai';
import { ActionRegistry } from '../../../src/actions/registry.ts';
import type { Action } from '../../../src/actions/types.ts';
import { parseBrokerList, parseRevertDocument } from '../../../src/cli/commands/action-session.ts';
import { runCli } from '../../../src/cli/run.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { captureIo } from './cli-io.ts';

describe('firebreak action (without a cluster)', () => {
  it('lists the catalogue as a table', async () => {
    const io = captureIo();
    expect(await runCli(['action', '--list'], io)).to.equal(0);
    const lines = io.out().split('\n');
    expect(lines[0]).to.match(/^ACTION\s+KIND\s+DESCRIPTION$/);
    expect(lines.some((l) => /^kafka\.setClientQuota\s+mutating, revert on-resolve\s+Set byte-rate/.test(l))).to.equal(true);
    expect(lines.some((l) => /^kafka\.consumerGroupLag\s+read-only\s+/.test(l))).to.equal(true);
  });

  it('lists the catalogue with parameter schemas as JSON', async () => {
    const io = captureIo();
    expect(await runCli(['action', '--list', '--json'], io)).to.equal(0);
    const list = JSON.parse(io.out()) as Array<{ name: string; paramsSchema: { required?: string[] } }>;
    expect(list.find((a) => a.name === 'kafka.setTopicConfig')?.paramsSchema.required).to.deep.equal(['topic', 'configs']);
  });

  it('refuses invalid params with exit 1 and the offending path, before connecting', async () => {
    const io = captureIo({ env: { FIREBREAK_KAFKA_BROKERS: '127.0.0.1:1' } });
    const code = await runCli(['action', 'kafka.setClientQuota', '--with', '{"entity":{"client-id":"app"},"producerByteRate":"fast"}'], io);
    expect(code).to.equal(1);
    expect(io.err()).to.match(/^error ACTION_PARAMS_INVALID: invalid params for kafka.setClientQuota: \/producerByteRate: must be integer\n/);
    expect(io.out()).to.equal('');
    expect(io.connections()).to.equal(0);
  });

  it('refuses malformed JSON in --with as a usage error (exit 2)', async () => {
    const io = captureIo();
    expect(await runCli(['action', 'kafka.consumerGroupLag', '--with', '{group:'], io)).to.equal(2);
    expect(io.err()).to.match(/^error CLI_USAGE: --with is not valid JSON/);
  });

  it('refuses an unknown action with ACTION_UNKNOWN (exit 1)', async () => {
    const io = captureIo();
    expect(await runCli(['action', 'kafka.deleteEverything'], io)).to.equal(1);
    expect(io.err()).to.match(/^error ACTION_UNKNOWN: unknown action "kafka.deleteEverything"/);
  });

  it('needs brokers from --brokers or the environment (exit 2 otherwise)', async () => {
    const io = captureIo();
    expect(await runCli(['action', 'kafka.describeCluster'], io)).to.equal(2);
    expect(io.err()).to.include('no Kafka brokers').and.to.include('FIREBREAK_KAFKA_BROKERS');
    expect(io.connections()).to.equal(0);
  });

  it('runs an action that does not talk to Kafka without any brokers, printing its result as JSON', async () => {
    const echo: Action<{ text: string }> = {
      name: 'test.echo',
      description: 'returns its text',
      mutating: false,
      defaultRevert: 'never',
      paramsSchema: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string' } } },
      plan: async () => ({ summary: 'echo', changes: [], touches: { topics: [], clients: [] } }),
      execute: async (_ctx, params) => ({ output: { echoed: params.text } }),
    };
    const io = captureIo({ actions: new ActionRegistry().register(echo as Action) });
    expect(await runCli(['action', 'test.echo', '--with', '{"text":"hi"}'], io)).to.equal(0);
    expect(JSON.parse(io.out())).to.deep.equal({ action: 'test.echo', params: { text: 'hi' }, dryRun: false, mutating: false, output: { echoed: 'hi' } });
    expect(io.connections()).to.equal(0);
  });

  it('tells whoever runs a change with a hold limit by hand to revert it in time: no engine releases it', async () => {
    const bounded: Action<{ rate: number }> = {
      name: 'test.bounded',
      description: 'a change that does harm when held too long',
      mutating: true,
      defaultRevert: 'on-resolve',
      paramsSchema: { type: 'object', additionalProperties: false, required: ['rate'], properties: { rate: { type: 'integer' } } },
      plan: async () => ({ summary: 'bounded', changes: [], touches: { topics: [], clients: [] } }),
      execute: async (_ctx, params) => ({ output: { rate: params.rate }, prior: null, applied: params.rate, holdLimit: { ms: 114_714, reason: 'held longer, the producers drop records' } }),
      revert: async () => ({ status: 'reverted', changes: [] }),
    };
    const io = captureIo({ actions: new ActionRegistry().register(bounded as Action) });
    expect(await runCli(['action', 'test.bounded', '--with', '{"rate":1}'], io)).to.equal(0);
    expect(JSON.parse(io.out())).to.deep.include({ holdLimit: { ms: 114_714, reason: 'held longer, the producers drop records' } });
    expect(io.err()).to.equal("warning: revert this change within 1m 54s (firebreak action test.bounded --revert '<this output>'): held longer, the producers drop records\n");
  });

  it('connects to the brokers named in the environment when --brokers is absent', async () => {
    const seen: string[][] = [];
    const io = captureIo({
      env: { FIREBREAK_KAFKA_BROKERS: '127.0.0.1:9,127.0.0.1:10' },
      connectKafka: async (options) => {
        seen.push(options.brokers);
        throw new FirebreakError('KAFKA_UNREACHABLE', 'nothing listens there', { retriable: true });
      },
    });
    expect(await runCli(['action', 'kafka.describeCluster'], io)).to.equal(1);
    expect(seen).to.deep.equal([['127.0.0.1:9', '127.0.0.1:10']]);
    expect(io.err()).to.match(/^error KAFKA_UNREACHABLE: nothing listens there/);
  });

  it('lets --brokers win over the environment and rejects malformed lists', async () => {
    const seen: string[][] = [];
    const io = captureIo({
      env: { FIREBREAK_KAFKA_BROKERS: '127.0.0.1:9' },
      connectKafka: async (options) => {
        seen.push(options.brokers);
        throw new FirebreakError('KAFKA_UNREACHABLE', 'nothing listens there', { retriable: true });
      },
    });
    await runCli(['action', 'kafka.describeCluster', '--brokers', '127.0.0.1:11'], io);
    expect(seen).to.deep.equal([['127.0.0.1:11']]);
    expect(parseBrokerList(' a:1, [::1]:2 ')).to.deep.equal(['a:1', '[::1]:2']);
    expect(() => parseBrokerList('a:1,b')).to.throw(FirebreakError, /--brokers must be host:port/);
  });

  it('checks --timeout, --revert and flag combinations as usage errors', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['action', 'kafka.describeCluster', '--brokers', 'a:1', '--timeout', 'soon'], /--timeout must be a whole number/],
      [['action', 'kafka.setTopicConfig', '--revert', '{"prior":{}}'], /--revert must be a JSON object with "prior" and "applied"/],
      [['action', 'kafka.setTopicConfig', '--dry-run', '--revert', '{}'], /--dry-run and --revert cannot be combined/],
      [['action'], /missing action name/],
      [['action', 'a', 'b'], /expected one action name/],
      [['action', 'kafka.describeCluster', '--json'], /--json only goes with --list/],
    ];
    for (const [argv, message] of cases) {
      const io = captureIo();
      expect(await runCli(argv, io), argv.join(' ')).to.equal(2);
      expect(io.err(), argv.join(' ')).to.match(message);
    }
  });

  it('refuses --revert for an action that changes nothing', async () => {
    const io = captureIo();
    expect(await runCli(['action', 'kafka.describeCluster', '--revert', '{"prior":null,"applied":null}'], io)).to.equal(1);
    expect(io.err()).to.match(/^error ACTION_NOT_REVERSIBLE: /);
  });

  it('reads prior, applied and params from a whole earlier output', () => {
    const doc = { action: 'kafka.setClientQuota', params: { entity: { user: 'a' } }, prior: { x: 1 }, applied: { x: 2 }, output: {} };
    expect(parseRevertDocument(JSON.stringify(doc))).to.deep.equal({ prior: { x: 1 }, applied: { x: 2 }, params: { entity: { user: 'a' } } });
  });

  it('says on a timeout that nothing was changed for a read-only action, and that a change may have been applied only for a mutating one', async () => {
    const endless = (name: string, mutating: boolean): Action => ({
      name,
      description: 'never finishes',
      mutating,
      defaultRevert: 'never',
      paramsSchema: { type: 'object', additionalProperties: false },
      plan: async () => ({ summary: name, changes: [], touches: { topics: [], clients: [] } }),
      execute: (ctx) => new Promise((_, reject) => ctx.signal?.addEventListener('abort', () => reject(new Error('aborted')))),
    });
    const actions = new ActionRegistry().register(endless('test.read', false)).register(endless('test.change', true));
    const read = captureIo({ actions });
    expect(await runCli(['action', 'test.read', '--timeout', '100'], read)).to.equal(1);
    expect(read.err()).to.match(/^error ACTION_TIMEOUT: test\.read did not finish within 100 ms; nothing was changed\n/);
    const change = captureIo({ actions });
    expect(await runCli(['action', 'test.change', '--timeout', '100'], change)).to.equal(1);
    expect(change.err()).to.match(/^error ACTION_TIMEOUT: test\.change did not finish within 100 ms; a change may or may not have been applied/);
  });
});
