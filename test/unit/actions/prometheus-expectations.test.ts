import { expect } from 'chai';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { readAnswer } from '../../../src/actions/prometheus/api.ts';
import { holdsFor, parseExpectation, parseSampleValue, satisfies } from '../../../src/actions/prometheus/expectation.ts';
import { defaultIntervalMs } from '../../../src/actions/prometheus/query.ts';
import type { HttpAnswer } from '../../../src/actions/http/client.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { integrationContext } from '../../support/integration-context.ts';

function answer(status: number, json: unknown): HttpAnswer {
  const text = JSON.stringify(json);
  return { status, headers: { 'content-type': 'application/json' }, text, json };
}

function thrown(fn: () => unknown): FirebreakError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FirebreakError);
    return err as FirebreakError;
  }
  throw new Error('expected an error');
}

describe('prometheus.query expectations', () => {
  it('parses every comparison, with integers, decimals, exponents and signs', () => {
    expect(parseExpectation('< 1000')).to.deep.equal({ op: '<', threshold: 1000, text: '< 1000' });
    expect(parseExpectation('>=0.5')).to.deep.include({ op: '>=', threshold: 0.5 });
    expect(parseExpectation(' == 0 ')).to.deep.include({ op: '==', threshold: 0, text: '== 0' });
    expect(parseExpectation('!= -1')).to.deep.include({ op: '!=', threshold: -1 });
    expect(parseExpectation('> 1e3')).to.deep.include({ op: '>', threshold: 1000 });
    expect(parseExpectation('<= .25')).to.deep.include({ op: '<=', threshold: 0.25 });
  });

  it('refuses anything that is not a comparison and a number, with its own code', () => {
    for (const bad of ['1000', '=< 5', '< ', '< abc', '<< 1', '~= 3', '< 5 and > 1']) {
      expect(thrown(() => parseExpectation(bad)).code, bad).to.equal('PROMETHEUS_EXPECTATION_INVALID');
    }
  });

  it('compares Prometheus sample values, NaN satisfying nothing and infinities ordered', () => {
    expect(satisfies(999, parseExpectation('< 1000'))).to.equal(true);
    expect(satisfies(1000, parseExpectation('< 1000'))).to.equal(false);
    expect(satisfies(1000, parseExpectation('<= 1000'))).to.equal(true);
    expect(satisfies('NaN', parseExpectation('!= 0'))).to.equal(false);
    expect(satisfies('NaN', parseExpectation('< 1'))).to.equal(false);
    expect(satisfies('+Inf', parseExpectation('> 1e308'))).to.equal(true);
    expect(satisfies('-Inf', parseExpectation('< 0'))).to.equal(true);
    expect(parseSampleValue('12.5')).to.equal(12.5);
    expect(parseSampleValue('+Inf')).to.equal('+Inf');
    expect(parseSampleValue('x')).to.equal(null);
  });

  it('holds only when every series satisfies it; an empty result fails unless onEmpty is pass', () => {
    const e = parseExpectation('< 10');
    expect(holdsFor([1, 2, 9], e, 'fail')).to.equal(true);
    expect(holdsFor([1, 12], e, 'fail')).to.equal(false);
    expect(holdsFor([], e, 'fail')).to.equal(false);
    expect(holdsFor([], e, 'pass')).to.equal(true);
  });

  it('polls a quarter of the hold time, between 1s and 15s', () => {
    expect(defaultIntervalMs(120_000)).to.equal(15_000);
    expect(defaultIntervalMs(20_000)).to.equal(5_000);
    expect(defaultIntervalMs(2_000)).to.equal(1_000);
  });
});

describe('prometheus.query answers', () => {
  it('reads a vector with its labels, values and evaluation time', () => {
    const result = readAnswer(
      answer(200, {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [
            { metric: { consumergroup: 'billing', topic: 'orders' }, value: [1767225600.5, '12345'] },
            { metric: { consumergroup: 'billing', topic: 'refunds' }, value: [1767225600.5, 'NaN'] },
          ],
        },
        warnings: ['PromQL info: metric might not be a counter'],
      }),
      'q',
    );
    expect(result.resultType).to.equal('vector');
    expect(result.series).to.deep.equal([
      { labels: { consumergroup: 'billing', topic: 'orders' }, value: 12345 },
      { labels: { consumergroup: 'billing', topic: 'refunds' }, value: 'NaN' },
    ]);
    expect(result.evaluatedAt).to.equal('2026-01-01T00:00:00.500Z');
    expect(result.warnings).to.deep.equal(['PromQL info: metric might not be a counter']);
  });

  it('reads a scalar as one series without labels', () => {
    const result = readAnswer(answer(200, { status: 'success', data: { resultType: 'scalar', result: [1767225600, '3'] } }), 'q');
    expect(result.series).to.deep.equal([{ labels: {}, value: 3 }]);
  });

  it('refuses range vectors and strings: an expectation needs one value per series', () => {
    const err = thrown(() => readAnswer(answer(200, { status: 'success', data: { resultType: 'matrix', result: [] } }), 'up[5m]'));
    expect(err.code).to.equal('PROMETHEUS_UNSUPPORTED_RESULT');
    expect(err.retriable).to.equal(false);
  });

  it('maps bad queries, failed evaluations and server trouble to distinct codes, retriable only for the server', () => {
    const invalid = thrown(() => readAnswer(answer(400, { status: 'error', errorType: 'bad_data', error: 'parse error: unexpected end of input' }), 'sum('));
    expect(invalid.code).to.equal('PROMETHEUS_QUERY_INVALID');
    expect(invalid.message).to.contain('parse error: unexpected end of input');
    expect(invalid.retriable).to.equal(false);

    const failed = thrown(() => readAnswer(answer(422, { status: 'error', errorType: 'execution', error: 'many-to-many matching not allowed' }), 'a / b'));
    expect(failed.code).to.equal('PROMETHEUS_QUERY_FAILED');
    expect(failed.retriable).to.equal(false);

    const busy = thrown(() => readAnswer(answer(503, { status: 'error', errorType: 'timeout', error: 'query timed out' }), 'q'));
    expect(busy.code).to.equal('PROMETHEUS_SERVER_ERROR');
    expect(busy.retriable).to.equal(true);

    const denied = thrown(() => readAnswer(answer(401, { message: 'Unauthorized' }), 'q'));
    expect(denied.code).to.equal('PROMETHEUS_UNAUTHORIZED');
  });

  it('calls an answer that is not the documented shape a bad response', () => {
    expect(thrown(() => readAnswer(answer(200, { status: 'success' }), 'q')).code).to.equal('PROMETHEUS_BAD_RESPONSE');
    expect(thrown(() => readAnswer(answer(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'x'] }] } }), 'q')).code).to.equal('PROMETHEUS_BAD_RESPONSE');
  });
});

describe('prometheus.query parameters', () => {
  const registry = createActionRegistry();

  it('fills defaults and needs expect for a hold time', () => {
    expect(registry.validateParams('prometheus.query', { query: 'up' })).to.deep.equal({ query: 'up', onEmpty: 'fail', top: 20 });
    const err = thrown(() => registry.validateParams('prometheus.query', { query: 'up', for: '2m' }));
    expect(err.code).to.equal('ACTION_PARAMS_INVALID');
    expect(err.message).to.contain('expect');
  });

  it('rejects a malformed expectation or duration before anything is sent', () => {
    expect(thrown(() => registry.validateParams('prometheus.query', { query: 'up', expect: 'below 5' })).code).to.equal('ACTION_PARAMS_INVALID');
    expect(thrown(() => registry.validateParams('prometheus.query', { query: 'up', expect: '< 5', for: 'two minutes' })).code).to.equal('ACTION_PARAMS_INVALID');
  });

  it('fails with PROMETHEUS_NOT_CONFIGURED when no Prometheus URL is set', async () => {
    const action = registry.get('prometheus.query');
    const params = registry.validateParams('prometheus.query', { query: 'up' });
    try {
      await action.execute(integrationContext({ prometheus: { url: null, timeoutMs: 1000 } }), params);
      expect.fail('expected an error');
    } catch (err) {
      expect((err as FirebreakError).code).to.equal('PROMETHEUS_NOT_CONFIGURED');
    }
  });
});
