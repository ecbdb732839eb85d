import { expect } from 'chai';
import { readRepoFile } from './promql.ts';

// A `spec` in a .mocharc.json is added to whatever files are named on the command line, so
// `mocha --config test/integration/.mocharc.json <file>` would run the whole suite. The globs
// therefore live in the package.json scripts, and each config only sets how the suite runs.

const SUITES = ['unit', 'integration', 'e2e'] as const;

type Scripts = Record<string, string>;

function scripts(): Scripts {
  const pkg = JSON.parse(readRepoFile('package.json')) as { scripts: Scripts };
  return pkg.scripts;
}

describe('test-runner layout', () => {
  for (const suite of SUITES) {
    it(`test/${suite}/.mocharc.json names no spec, so a file given on the command line runs alone`, () => {
      const config = JSON.parse(readRepoFile('test', suite, '.mocharc.json')) as Record<string, unknown>;
      expect(config).to.not.have.property('spec');
    });

    it(`npm run test:${suite} uses its config and names its own glob`, () => {
      const script = scripts()[`test:${suite}`] ?? '';
      expect(script).to.include(`--config test/${suite}/.mocharc.json`);
      expect(script).to.include(`'test/${suite}/**/*.test.ts'`);
    });
  }

  it('npm run test:kafka4 runs every Kafka-dependent folder with the integration config on Kafka 4', () => {
    const script = scripts()['test:kafka4'] ?? '';
    expect(script).to.match(/^FIREBREAK_TEST_KAFKA_VERSION=4\.\d+\.\d+ mocha /);
    expect(script).to.include('--config test/integration/.mocharc.json');
    expect(script).to.not.include('--no-config');
    for (const folder of ['kafka', 'cluster', 'actions', 'engine', 'runbooks']) {
      expect(script).to.include(`'test/integration/${folder}/**/*.test.ts'`);
    }
  });
});
