/**
 * The defaults docs/configuration.md states are the ones the configuration schema declares: every
 * key of the schema has its row, every row names a key of the schema, and each row's default is
 * the schema's (`none` for a key that is unset, or an empty list, unless given).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../../src/config/load.ts';
import { CONFIG_DEFAULTS, CONFIG_SCHEMA, STORE_FILE_NAME } from '../../../src/config/schema.ts';

const DOC = new URL('../../../docs/configuration.md', import.meta.url);

interface Row {
  keys: string[];
  written: string;
  line: number;
}

/** The rows of the settings table: its keys (`.keyFile` is a sibling of the key before) and default cell. */
function documentedRows(): Row[] {
  const rows: Row[] = [];
  readFileSync(DOC, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const cells = text.split(' | ');
      if (!text.startsWith('| `') || cells.length < 4) return;
      const names = [...(cells[0] as string).matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
      const keys: string[] = [];
      for (const name of names) {
        const previous = keys.at(-1);
        keys.push(name.startsWith('.') && previous !== undefined ? `${previous.slice(0, previous.lastIndexOf('.'))}${name}` : name);
      }
      rows.push({ keys, written: (cells[2] as string).trim(), line: i + 1 });
    });
  return rows;
}

/** Every setting of the schema, dotted: the keys of its sections, down to the values. */
function schemaKeys(schema: Record<string, unknown>, prefix = ''): string[] {
  const properties = schema['properties'] as Record<string, Record<string, unknown>> | undefined;
  if (properties === undefined || (prefix !== '' && schema['additionalProperties'] !== false)) return [prefix.slice(0, -1)];
  return Object.entries(properties).flatMap(([key, child]) => schemaKeys(child, `${prefix}${key}.`));
}

/** The value a default cell states: the figure in brackets (`16mb` (16777216)), else the code span. */
function statedValue(cell: string): unknown {
  if (cell === 'none') return null;
  const bracketed = /^`[^`]+` \((\d+)\)$/.exec(cell);
  if (bracketed !== null) return Number(bracketed[1]);
  const span = /^`([^`]+)`/.exec(cell)?.[1];
  if (span === undefined) return cell;
  if (span === 'true' || span === 'false') return span === 'true';
  if (/^\d+$/.test(span)) return Number(span);
  if (span === '[]' || span === '{}') return JSON.parse(span);
  return span;
}

function at(value: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined), value);
}

describe('documented configuration defaults', () => {
  it('documents every key of the schema, and no other', () => {
    const documented = documentedRows().flatMap((r) => r.keys);
    expect([...documented].sort()).to.deep.equal(schemaKeys(CONFIG_SCHEMA).sort());
  });

  it('states the default the schema declares for each key', () => {
    const wrong: string[] = [];
    for (const row of documentedRows()) {
      for (const key of row.keys) {
        if (key === 'store') {
          if (row.written !== `\`<dataDir>/${STORE_FILE_NAME}\``) wrong.push(`line ${row.line}: store documented ${row.written}`);
          continue;
        }
        const declared = at(CONFIG_DEFAULTS, key);
        const stated = statedValue(row.written);
        // `none`: unset (null or absent), or a list that is empty unless given.
        const same = stated === null ? declared === null || declared === undefined || (Array.isArray(declared) && declared.length === 0) : JSON.stringify(declared) === JSON.stringify(stated);
        if (!same) wrong.push(`line ${row.line}: ${key} documented ${row.written}, declared ${JSON.stringify(declared)}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('gives an empty configuration exactly the schema defaults, the store under dataDir', () => {
    const config = loadConfig({ env: {}, argv: [], readFile: () => '' });
    expect(config).to.deep.equal({ ...CONFIG_DEFAULTS, store: `data/${STORE_FILE_NAME}` });
  });
});
