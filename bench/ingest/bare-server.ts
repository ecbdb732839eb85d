/**
 * The baselines of the ingest benchmark: a bare `node:http` server that reads the body, parses
 * the JSON and answers 200, either at once (`--mode parse`) or after appending the body to a
 * file and fsyncing it on the thread pool (`--mode fsync`: fs.promises, so requests overlap,
 * one write + fdatasync each). No framework, no validation, no auth: what the machine allows.
 *
 *   node bench/ingest/bare-server.ts --mode parse|fsync --port N [--file path]
 */
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { mode: { type: 'string', default: 'parse' }, port: { type: 'string', default: '0' }, file: { type: 'string' } } });
if (values.mode !== 'parse' && values.mode !== 'fsync') throw new Error('--mode parse|fsync');
if (values.mode === 'fsync' && values.file === undefined) throw new Error('--mode fsync needs --file');
const journal = values.mode === 'fsync' ? await open(values.file as string, 'a') : null;

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    JSON.parse(body.toString('utf8'));
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
    if (journal === null) answer();
    else journal.write(body).then(() => journal.datasync()).then(answer, (err: unknown) => res.writeHead(503).end(String(err)));
  });
});
server.listen(Number(values.port), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
