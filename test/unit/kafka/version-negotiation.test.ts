import { expect } from 'chai';
import { alterClientQuotasApi } from '../../../src/actions/kafka/protocol/alter-client-quotas.ts';
import { describeConfigsApi } from '../../../src/actions/kafka/protocol/describe-configs.ts';
import { describeLogDirsApi } from '../../../src/actions/kafka/protocol/describe-log-dirs.ts';
import { chooseVersion } from '../../../src/actions/kafka/protocol/versions.ts';
import { FirebreakError } from '../../../src/errors.ts';

describe('Kafka API version negotiation', () => {
  it('uses the classic versions that Kafka 3.9 and 4.1 both announce', () => {
    // Ranges as announced by real 3.9.1 and 4.1.1 brokers (ApiVersions).
    expect(chooseVersion(describeLogDirsApi, { minVersion: 0, maxVersion: 4 })).to.equal(1);
    expect(chooseVersion(describeLogDirsApi, { minVersion: 1, maxVersion: 4 })).to.equal(1);
    expect(chooseVersion(alterClientQuotasApi, { minVersion: 0, maxVersion: 1 })).to.equal(0);
    expect(chooseVersion(describeConfigsApi, { minVersion: 1, maxVersion: 4 })).to.equal(2);
  });

  it('falls back to a flexible version when a broker has dropped the classic ones', () => {
    expect(chooseVersion(describeLogDirsApi, { minVersion: 2, maxVersion: 4 })).to.equal(4);
    expect(chooseVersion(describeLogDirsApi, { minVersion: 2, maxVersion: 3 })).to.equal(3);
    expect(chooseVersion(alterClientQuotasApi, { minVersion: 1, maxVersion: 2 })).to.equal(1);
  });

  it('fails with a non-retriable KAFKA_UNSUPPORTED_VERSION when nothing overlaps or the API is unknown', () => {
    for (const range of [{ minVersion: 3, maxVersion: 5 }, undefined]) {
      try {
        chooseVersion(describeConfigsApi, range);
        expect.fail('expected an error');
      } catch (e) {
        expect(e).to.be.instanceOf(FirebreakError);
        expect((e as FirebreakError).code).to.equal('KAFKA_UNSUPPORTED_VERSION');
        expect((e as FirebreakError).retriable).to.equal(false);
        expect((e as FirebreakError).message).to.contain('DescribeConfigs');
      }
    }
  });
});
