import { expect } from 'chai';
import { ROLES } from '../../../src/config/schema.ts';
import { REVERT_MODES } from '../../../src/model/action.ts';
import { APPROVAL_STATES, CLAIM_STATUSES, REVERT_STATUSES, RUN_STATUSES, TIMER_KINDS, TIMER_STATUSES } from '../../../src/model/engine.ts';
import { ALERT_STATUSES, INCIDENT_STATUSES, ROLE_NAMES } from '../../../src/model/incident.ts';
import { loadMigrations } from '../../../src/store/migration-files.ts';

// Each vocabulary is declared once in TypeScript (src/model/, src/config/schema.ts); the SQL
// migrations of both backends repeat some of them as CHECK (column IN (...)) constraints, which
// cannot import a list. This ties every such constraint, as the migrations leave it, to its list.

/** Which list each `table.column` CHECK must spell. A new CHECK list fails until it is added here. */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  'incidents.status': INCIDENT_STATUSES,
  'alert_current.status': ALERT_STATUSES,
  'alert_events.status': ALERT_STATUSES,
  'incident_roles.role': ROLE_NAMES,
  'engine_runs.trigger': ALERT_STATUSES,
  'engine_runs.status': RUN_STATUSES,
  'engine_step_claims.trigger': ALERT_STATUSES,
  'engine_step_claims.revert': REVERT_MODES,
  'engine_step_claims.status': CLAIM_STATUSES,
  'engine_step_claims.revert_status': REVERT_STATUSES,
  'engine_approvals.state': APPROVAL_STATES,
  'console_sessions.role': ROLES,
  'engine_timers.kind': TIMER_KINDS,
  'engine_timers.status': TIMER_STATUSES,
};

/**
 * The `CHECK (column IN ('a', 'b'))` lists in force after every migration ran, by `table.column`:
 * a later constraint on the same column replaces an earlier one (PostgreSQL drops and adds it,
 * SQLite rebuilds the table under a temporary name and renames it).
 */
export function checkLists(sqlFiles: readonly string[]): Map<string, string[]> {
  const statements = sqlFiles.flatMap((sql) => sql.replace(/--.*$/gm, '').split(';'));
  const renamed = new Map<string, string>();
  for (const statement of statements) {
    const rename = /ALTER\s+TABLE\s+(\w+)\s+RENAME\s+TO\s+(\w+)/i.exec(statement);
    if (rename !== null) renamed.set(rename[1] as string, rename[2] as string);
  }
  const lists = new Map<string, string[]>();
  for (const statement of statements) {
    const table = /(?:CREATE|ALTER)\s+TABLE\s+(\w+)/i.exec(statement)?.[1];
    if (table === undefined) continue;
    for (const check of statement.matchAll(/CHECK\s*\(\s*(\w+)\s+IN\s*\(([^)]*)\)\s*\)/gi)) {
      const values = [...(check[2] as string).matchAll(/'([^']*)'/g)].map((v) => v[1] as string);
      lists.set(`${renamed.get(table) ?? table}.${check[1] as string}`, values);
    }
  }
  return lists;
}

function migrationsOf(backend: 'sqlite' | 'postgres'): string[] {
  return loadMigrations(new URL(`../../../src/store/${backend}/migrations/`, import.meta.url)).map((m) => m.sql);
}

describe('SQL CHECK constraints and the vocabularies', () => {
  it('reads the list in force: a later constraint replaces an earlier one, renamed tables included', () => {
    const lists = checkLists([
      "CREATE TABLE runs (status text CHECK (status IN ('a', 'b')), kind text NOT NULL CHECK (kind IN ('x')));",
      "-- CHECK (status IN ('commented'))\nALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('a', 'b', 'c'));",
      "CREATE TABLE items_v2 (state TEXT CHECK (state IN ('p', 'q'))); ALTER TABLE items_v2 RENAME TO items;",
    ]);
    expect(Object.fromEntries(lists)).to.deep.equal({ 'runs.status': ['a', 'b', 'c'], 'runs.kind': ['x'], 'items.state': ['p', 'q'] });
  });

  for (const backend of ['sqlite', 'postgres'] as const) {
    it(`${backend}: every CHECK list is one of the declared vocabularies, value for value`, () => {
      const lists = checkLists(migrationsOf(backend));
      expect([...lists.keys()].sort()).to.deep.equal(Object.keys(EXPECTED).sort());
      for (const [column, values] of lists) expect(values, column).to.have.members([...(EXPECTED[column] ?? [])]).and.to.have.lengthOf(EXPECTED[column]?.length ?? 0);
    });
  }
});
