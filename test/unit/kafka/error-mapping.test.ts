import { expect } from 'chai';
import kafkajs from 'kafkajs';
import { errorFromCode, toKafkaError } from '../../../src/actions/kafka/errors.ts';
import { KAFKA_ERROR_CODES } from '../../../src/actions/kafka/protocol/error-codes.ts';
import { FirebreakError } from '../../../src/errors.ts';

const {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSBrokerNotFound,
  KafkaJSLockTimeout,
  KafkaJSError,
} = kafkajs;

/** kafkajs's type declarations lag its constructors' real parameters; build errors as kafkajs does. */
function make(ErrorClass: unknown, ...args: unknown[]): Error {
  return new (ErrorClass as new (...a: unknown[]) => Error)(...args);
}

describe('Kafka error mapping', () => {
  describe('protocol error codes', () => {
    // code → [FirebreakError code, retriable, HTTP status]; retriable as Kafka's Errors defines it.
    const table: Array<[number, string, boolean, number]> = [
      [3, 'KAFKA_UNKNOWN_TOPIC_OR_PARTITION', true, 404],
      [7, 'KAFKA_REQUEST_TIMED_OUT', true, 503],
      [14, 'KAFKA_COORDINATOR_LOAD_IN_PROGRESS', true, 503],
      [29, 'KAFKA_TOPIC_AUTHORIZATION_FAILED', false, 403],
      [31, 'KAFKA_CLUSTER_AUTHORIZATION_FAILED', false, 403],
      [35, 'KAFKA_UNSUPPORTED_VERSION', false, 400],
      [40, 'KAFKA_INVALID_CONFIG', false, 400],
      [41, 'KAFKA_NOT_CONTROLLER', true, 503],
      [42, 'KAFKA_INVALID_REQUEST', false, 400],
      [44, 'KAFKA_POLICY_VIOLATION', false, 400],
      [56, 'KAFKA_STORAGE_ERROR', true, 503],
      [69, 'KAFKA_GROUP_ID_NOT_FOUND', false, 404],
      [-1, 'KAFKA_UNKNOWN_SERVER_ERROR', false, 502],
    ];
    for (const [kafkaCode, code, retriable, status] of table) {
      it(`maps ${kafkaCode} to ${code} (retriable ${retriable}, HTTP ${status})`, () => {
        const err = errorFromCode(kafkaCode, null, { api: 'DescribeConfigs' });
        expect(err).to.be.instanceOf(FirebreakError);
        expect([err.code, err.retriable, err.statusCode]).to.deep.equal([code, retriable, status]);
        expect(err.details).to.include({ kafkaErrorCode: kafkaCode, api: 'DescribeConfigs' });
        expect(err.message).to.match(/^DescribeConfigs: /);
      });
    }

    it('prefers the broker message and falls back to the default text when it is null or empty', () => {
      expect(errorFromCode(40, 'Invalid value -5 for retention.ms').message).to.equal('Invalid value -5 for retention.ms');
      expect(errorFromCode(40, null).message).to.equal('Configuration is invalid');
      expect(errorFromCode(40, '').message).to.equal('Configuration is invalid');
    });

    it('maps a code it does not know to a non-retriable KAFKA_UNKNOWN_ERROR_CODE', () => {
      const err = errorFromCode(9999);
      expect([err.code, err.retriable]).to.deep.equal(['KAFKA_UNKNOWN_ERROR_CODE', false]);
      expect(err.message).to.contain('9999');
    });

    it('knows every code up to Kafka 4.1 and names each one once', () => {
      expect(KAFKA_ERROR_CODES.get(133)?.name).to.equal('SHARE_SESSION_LIMIT_REACHED');
      const names = [...KAFKA_ERROR_CODES.values()].map((i) => i.name);
      expect(new Set(names).size).to.equal(names.length);
      expect(KAFKA_ERROR_CODES.has(0)).to.equal(false);
    });
  });

  describe('kafkajs errors', () => {
    it('maps connection failures, even wrapped by kafkajs retries, to retriable KAFKA_UNREACHABLE', () => {
      const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1', { broker: '127.0.0.1:1' });
      const exhausted = new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 4, retryTime: 800 });
      for (const e of [refused, exhausted, make(KafkaJSNonRetriableError, exhausted, { cause: exhausted })]) {
        const err = toKafkaError(e, { operation: 'describeCluster' });
        expect([err.code, err.retriable, err.statusCode]).to.deep.equal(['KAFKA_UNREACHABLE', true, 503]);
        expect(err.details).to.include({ operation: 'describeCluster', broker: '127.0.0.1:1' });
      }
      expect(toKafkaError(make(KafkaJSBrokerNotFound, 'Broker 3 not found')).code).to.equal('KAFKA_UNREACHABLE');
    });

    it('maps a plain socket error code to KAFKA_UNREACHABLE', () => {
      const socket = Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' });
      expect(toKafkaError(socket).code).to.equal('KAFKA_UNREACHABLE');
    });

    it('maps request and lock timeouts to retriable KAFKA_TIMEOUT', () => {
      for (const e of [new KafkaJSRequestTimeoutError('Request Metadata(key: 3, version: 6) timed out'), make(KafkaJSLockTimeout, 'lock timed out')]) {
        const err = toKafkaError(e);
        expect([err.code, err.retriable, err.statusCode]).to.deep.equal(['KAFKA_TIMEOUT', true, 504]);
      }
    });

    it('maps a kafkajs protocol error by its code, with the retriable flag of the protocol table', () => {
      const unknownTopic = new KafkaJSProtocolError({ type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true, message: 'This server does not host this topic-partition' } as never);
      const err = toKafkaError(new KafkaJSNumberOfRetriesExceeded(unknownTopic, { retryCount: 4, retryTime: 1 }));
      expect([err.code, err.retriable]).to.deep.equal(['KAFKA_UNKNOWN_TOPIC_OR_PARTITION', true]);
      const groupMissing = new KafkaJSProtocolError({ type: 'GROUP_ID_NOT_FOUND', code: 69, retriable: false, message: 'x' } as never);
      expect(toKafkaError(groupMissing).code).to.equal('KAFKA_GROUP_ID_NOT_FOUND');
    });

    it('maps an API the broker does not offer to KAFKA_UNSUPPORTED_VERSION', () => {
      const err = toKafkaError(make(KafkaJSServerDoesNotSupportApiKey, 'The Kafka server does not support the requested API version'));
      expect([err.code, err.retriable]).to.deep.equal(['KAFKA_UNSUPPORTED_VERSION', false]);
    });

    it('keeps FirebreakErrors as they are, and classifies the rest as KAFKA_CLIENT with kafkajs\'s flag', () => {
      const own = new FirebreakError('KAFKA_PROTOCOL', 'malformed');
      expect(toKafkaError(own)).to.equal(own);
      const generic = toKafkaError(make(KafkaJSError, 'something odd', { retriable: true }));
      expect([generic.code, generic.retriable]).to.deep.equal(['KAFKA_CLIENT', true]);
      const plain = toKafkaError(new TypeError('x is undefined'));
      expect([plain.code, plain.retriable]).to.deep.equal(['KAFKA_CLIENT', false]);
    });
  });
});
