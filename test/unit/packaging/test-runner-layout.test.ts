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

/** The folders a script names as `'test/integration/<folder>/**...'`, in `--ignore` or as a glob. */
function folders(script: string, ignored: boolean): string[] {
  const pattern = ignored ? /--ignore 'test\/integration\/([^/]+)\/\*\*'/g : /(?<!--ignore )'test\/integration\/([^/*]+)\/\*\*\/\*\.test\.ts'/g;
  return [...script.matchAll(pattern)].map((m) => m[1] as string).sort();
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

  it('splits the integration suite in two halves that together run every folder once', () => {
    const all = scripts();
    const local = all['test:integration:local'] ?? '';
    const kafka = all['test:integration:kafka'] ?? '';
    // The local half runs everything but the Kafka folders: a new folder is never left out.
    expect(local).to.include("'test/integration/**/*.test.ts'");
    expect(folders(kafka, false)).to.not.be.empty;
    expect(folders(local, true)).to.deep.equal(folders(kafka, false));
    for (const script of [local, kafka]) expect(script).to.include('--config test/integration/.mocharc.json');
  });

  it('npm run test:kafka4 runs the Kafka half of the integration suite on Kafka 4', () => {
    expect(scripts()['test:kafka4']).to.match(/^FIREBREAK_TEST_KAFKA_VERSION=4\.\d+\.\d+ npm run -s test:integration:kafka$/);
  });

  it('npm test type-checks, runs the unit tests, then every other suite side by side', () => {
    const all = scripts();
    const test = all['test'] ?? '';
    expect(test).to.match(/^npm run -s typecheck && npm run -s test:unit && node scripts\/test-suites\.ts /);
    const suites = test.replace(/^.*test-suites\.ts /, '').split(' ');
    // Every suite script runs in CI, except the whole integration suite, which is its two halves.
    const expected = Object.keys(all).filter((name) => name.startsWith('test:') && name !== 'test:unit' && name !== 'test:integration');
    expect(suites).to.have.members(expected);
  });
});
