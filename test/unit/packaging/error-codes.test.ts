/**
 * Error codes are declared once, each in its domain's catalogue with its HTTP status, and
 * docs/errors.md lists exactly the codes the code can produce: every declared code (and every
 * code a source file spells) is documented with the declared status, and nothing documented is
 * left that no domain declares.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_LOCAL_ERRORS } from '../../../scripts/kafka/errors.ts';
import { ACTION_ERRORS } from '../../../src/actions/errors.ts';
import {
  GRAFANA_ERRORS,
  HTTP_REQUEST_ERRORS,
  INTEGRATION_PREFIXES,
  NOTIFY_ERRORS,
  PROMETHEUS_ERRORS,
  TRANSPORT_ERRORS,
  WAIT_ERRORS,
} from '../../../src/actions/integration-errors.ts';
import { KAFKA_ERRORS } from '../../../src/actions/kafka/errors.ts';
import { KAFKA_ERROR_CODES } from '../../../src/actions/kafka/protocol/error-codes.ts';
import { CLI_ERRORS } from '../../../src/cli/errors.ts';
import { CONFIG_ERRORS } from '../../../src/config/errors.ts';
import { CONSOLE_ERRORS } from '../../../src/console/errors.ts';
import { ENGINE_ERRORS } from '../../../src/engine/errors.ts';
import { COMMON_ERRORS, type ErrorCatalogue, type ErrorSpec } from '../../../src/errors.ts';
import { HTTP_ERRORS } from '../../../src/http/errors.ts';
import { INCIDENT_ERRORS } from '../../../src/incidents/errors.ts';
import { RUNBOOK_ERRORS } from '../../../src/runbooks/diagnostics.ts';
import { STORE_ERRORS } from '../../../src/store/errors.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

const TRANSPORT: ErrorCatalogue = Object.fromEntries(
  INTEGRATION_PREFIXES.flatMap((prefix) => Object.entries(TRANSPORT_ERRORS).map(([suffix, spec]) => [`${prefix}_${suffix}`, spec])),
);

const CATALOGUES: Record<string, ErrorCatalogue> = {
  COMMON_ERRORS,
  INCIDENT_ERRORS,
  STORE_ERRORS,
  CONFIG_ERRORS,
  CLI_ERRORS,
  ACTION_ERRORS,
  KAFKA_ERRORS,
  TRANSPORT,
  PROMETHEUS_ERRORS,
  GRAFANA_ERRORS,
  NOTIFY_ERRORS,
  HTTP_REQUEST_ERRORS,
  WAIT_ERRORS,
  RUNBOOK_ERRORS,
  ENGINE_ERRORS,
  HTTP_ERRORS,
  CONSOLE_ERRORS,
  KAFKA_LOCAL_ERRORS,
};

const DECLARED = new Map<string, ErrorSpec>();
for (const catalogue of Object.values(CATALOGUES)) for (const [code, spec] of Object.entries(catalogue)) DECLARED.set(code, spec);

/** A broker's error code becomes `KAFKA_<NAME>` (src/actions/kafka/errors.ts). */
const BROKER_CODES = new Set([...KAFKA_ERROR_CODES.values()].map((info) => (info.name.startsWith('KAFKA_') ? info.name : `KAFKA_${info.name}`)));
BROKER_CODES.add('KAFKA_UNKNOWN_ERROR_CODE');

const produced = (code: string): boolean => DECLARED.has(code) || BROKER_CODES.has(code);

/** What looks like a firebreak error code: a domain prefix, or one of the shared codes. */
const CODE_SHAPE =
  /^(?:(?:ACTION|ALERTMANAGER|API|AUTH|CLI|CONFIG|CONSOLE|ENGINE|GRAFANA|HTTP|INCIDENT|KAFKA|NOTIFY|PROMETHEUS|RUNBOOK|SERVE|SIMULATE|STORE|WAIT|WEBHOOK)_[A-Z0-9_]+|INTERNAL|NOT_FOUND|NOT_READY|BAD_REQUEST|METHOD_NOT_ALLOWED)$/;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== join('src', 'console', 'assets')) out.push(...sources(path));
    } else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** The file without its comments (string literals kept). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

interface DocRow {
  codes: string[];
  status: string;
  line: number;
}

/** The first two cells of every table row of docs/errors.md whose first cell names codes. */
function documented(): DocRow[] {
  const rows: DocRow[] = [];
  readFileSync(join(ROOT, 'docs/errors.md'), 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (!text.startsWith('| `')) return;
      const [first = '', status = ''] = text.split('|').slice(1, 3);
      const codes = [...first.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
      rows.push({ codes, status: status.trim(), line: i + 1 });
    });
  return rows;
}

/** A documented code as the codes it stands for: `P_TIMEOUT` for each integration. */
function expand(code: string): string[] {
  if (code.startsWith('P_')) return INTEGRATION_PREFIXES.map((prefix) => `${prefix}_${code.slice(2)}`);
  return [code];
}

/** `KAFKA_<NAME>` and `KAFKA_*_AUTHORIZATION_FAILED` stand for broker codes. */
function isPattern(code: string): boolean {
  return code.includes('<') || code.includes('*');
}

describe('error codes', () => {
  it('declares each code in one catalogue only', () => {
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const [name, catalogue] of Object.entries(CATALOGUES)) {
      for (const code of Object.keys(catalogue)) {
        const first = seen.get(code);
        if (first !== undefined) twice.push(`${code} (${first}, ${name})`);
        seen.set(code, name);
      }
    }
    expect(twice).to.deep.equal([]);
  });

  it('declares every code a source file spells', () => {
    const undeclared: string[] = [];
    for (const file of [...sources('src'), ...sources('scripts')]) {
      const text = code(readFileSync(join(ROOT, file), 'utf8'));
      // String literals that are a code, or that start with one (`'ENGINE_INTERRUPTED: ...'`, `error STORE_...:`).
      for (const m of text.matchAll(/['"`](?:error )?([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?=['"`]|: )/g)) {
        const found = m[1] as string;
        if (CODE_SHAPE.test(found) && !produced(found)) undeclared.push(`${file}: ${found}`);
      }
    }
    expect(undeclared).to.deep.equal([]);
  });

  it('raises a code with the status its catalogue declares, where a call still spells both', () => {
    const wrong: string[] = [];
    for (const file of sources('src')) {
      const text = code(readFileSync(join(ROOT, file), 'utf8'));
      for (const m of text.matchAll(/httpError\(\s*(\d{3}),\s*'([A-Z0-9_]+)'/g)) {
        const spec = DECLARED.get(m[2] as string);
        if (spec?.status !== Number(m[1])) wrong.push(`${file}: httpError(${m[1]}, ${m[2]}) but declared ${spec?.status}`);
      }
      for (const m of text.matchAll(/new FirebreakError\(\s*'([A-Z0-9_]+)'[^;]*?statusCode:\s*(\d{3})/g)) {
        const spec = DECLARED.get(m[1] as string);
        if (spec?.status !== Number(m[2])) wrong.push(`${file}: ${m[1]} raised with ${m[2]} but declared ${spec?.status}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('docs/errors.md lists exactly the codes the catalogues declare, with their status', () => {
    const rows = documented();
    const inDocs = new Set<string>();
    const problems: string[] = [];
    for (const row of rows) {
      for (const written of row.codes) {
        if (isPattern(written)) {
          const pattern = new RegExp(`^${written.replace('<NAME>', '[A-Z_]+').replace('*', '[A-Z_]+')}$`);
          if (![...BROKER_CODES].some((c) => pattern.test(c))) problems.push(`docs/errors.md:${row.line}: ${written} matches no broker code`);
          continue;
        }
        for (const c of expand(written)) {
          inDocs.add(c);
          if (!produced(c)) {
            problems.push(`docs/errors.md:${row.line}: ${c} is documented but no catalogue declares it`);
            continue;
          }
          const spec = DECLARED.get(c);
          if (spec === undefined || row.codes.length > 1) continue;
          // A plain status must be the declared one; "none"/"—" means the code is never an answer.
          if (/^\d{3}$/.test(row.status) && spec.status !== Number(row.status)) problems.push(`docs/errors.md:${row.line}: ${c} documented ${row.status}, declared ${spec.status}`);
          if ((row.status === 'none' || row.status === '—') && spec.status !== null) problems.push(`docs/errors.md:${row.line}: ${c} documented as never an answer, declared ${spec.status}`);
        }
      }
    }
    for (const c of DECLARED.keys()) if (!inDocs.has(c)) problems.push(`${c} is declared but not in docs/errors.md`);
    expect(problems).to.deep.equal([]);
    expect(inDocs.size).to.be.greaterThan(150);
  });
});
