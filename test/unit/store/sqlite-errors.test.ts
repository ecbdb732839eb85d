import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { mapSqliteError } from '../../../src/store/sqlite/sqlite-errors.ts';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** The shape node:sqlite gives its errors, for result codes a single in-memory connection cannot produce. */
function sqliteError(errcode: number, message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_SQLITE_ERROR', errcode, errstr: message });
}

describe('SQLite error mapping', () => {
  it('maps busy, locked, I/O errors and a full disk (extended codes included) to retriable STORE_UNAVAILABLE', () => {
    for (const code of [5, 6, 517 /* BUSY_SNAPSHOT */, 13 /* FULL */, 266 /* IOERR_READ */]) {
      const err = mapSqliteError(sqliteError(code, 'database is locked'), 'appendNotification');
      expect(err.code, String(code)).to.equal('STORE_UNAVAILABLE');
      expect(err.retriable).to.equal(true);
      expect(err.statusCode).to.equal(503);
      expect(err.details).to.include({ operation: 'appendNotification', sqliteCode: code });
    }
  });

  it('maps a real constraint violation to STORE_CONSTRAINT (409) and a missing table to STORE_SCHEMA_MISSING', () => {
    const db = new DatabaseSync(':memory:');
    try {
      db.exec('CREATE TABLE t (a UNIQUE)');
      db.exec('INSERT INTO t VALUES (1)');
      const constraint = mapSqliteError(thrownBy(() => db.exec('INSERT INTO t VALUES (1)')), 'insert');
      expect(constraint.code).to.equal('STORE_CONSTRAINT');
      expect(constraint.statusCode).to.equal(409);
      expect(constraint.retriable).to.equal(false);
      const missing = mapSqliteError(thrownBy(() => db.prepare('SELECT * FROM nowhere')), 'select');
      expect(missing.code).to.equal('STORE_SCHEMA_MISSING');
    } finally {
      db.close();
    }
  });

  it('maps files that cannot be used to non-retriable STORE_FILE_ERROR and the rest to STORE_QUERY_FAILED', () => {
    expect(mapSqliteError(sqliteError(26, 'file is not a database'), 'open').code).to.equal('STORE_FILE_ERROR');
    expect(mapSqliteError(sqliteError(8, 'attempt to write a readonly database'), 'open').retriable).to.equal(false);
    expect(mapSqliteError(sqliteError(1, 'near "SELEC": syntax error'), 'x').code).to.equal('STORE_QUERY_FAILED');
    expect(mapSqliteError(new TypeError('bad binding'), 'x').code).to.equal('STORE_QUERY_FAILED');
  });
});
