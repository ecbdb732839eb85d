/**
 * Numbered migration files, shared by every SQL backend: `NNN_name.sql` in a backend's own
 * `migrations/` folder, versions 1, 2, 3... without gaps. Each backend applies them its own way
 * (sqlite/migrate.ts, postgres/migrate.ts); a released file is never edited.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { migrationFailed } from './errors.ts';

export interface Migration {
  version: number;
  /** File name without the number and extension, e.g. `init`. */
  name: string;
  sql: string;
  /** sha256 of the file, recorded to notice a released migration edited afterwards. */
  checksum: string;
}

const FILE_PATTERN = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/**
 * Reads and checks the migration files of `dir`: names match `NNN_name.sql`, versions run
 * 1, 2, 3... without gaps or repeats. STORE_MIGRATION_FAILED otherwise.
 */
export function loadMigrations(dir: URL): Migration[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  } catch (err) {
    throw migrationFailed(`cannot read the migrations directory: ${(err as Error).message}`, {}, err);
  }
  const migrations = files.map((file): Migration => {
    const match = FILE_PATTERN.exec(file);
    if (match === null) {
      throw migrationFailed(`migration file ${file} is not named NNN_name.sql`, { file });
    }
    const sql = readFileSync(new URL(file, dir), 'utf8');
    return {
      version: Number(match[1]),
      name: match[2] as string,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    };
  });
  migrations.sort((a, b) => a.version - b.version);
  migrations.forEach((m, index) => {
    if (m.version !== index + 1) {
      throw migrationFailed(`migration versions must run 1, 2, 3... without gaps; found ${m.version} at ${index + 1}`, {
        version: m.version,
      });
    }
  });
  return migrations;
}
