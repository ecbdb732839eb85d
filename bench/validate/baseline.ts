/**
 * The baseline of the validate benchmark: js-yaml and ajv alone, no firebreak code. Reads every
 * `.yaml` file of a directory, parses it with js-yaml and validates it against
 * runbooks/schema.json with one compiled ajv validator, and prints how many passed.
 *
 *   node bench/validate/baseline.ts <dir>
 */
import { Ajv } from 'ajv';
import { load } from 'js-yaml';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: node bench/validate/baseline.ts <dir>');
const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../runbooks/schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
let ok = 0;
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
for (const file of files) {
  if (validate(load(readFileSync(join(dir, file), 'utf8')))) ok += 1;
}
process.stdout.write(`${ok} of ${files.length} valid\n`);
