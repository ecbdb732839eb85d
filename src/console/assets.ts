/**
 * The console's static files, shipped in the package and read once at start: the stylesheet and
 * the script. The script is written in TypeScript (checked with the DOM library by
 * assets/tsconfig.json) and served with its types stripped by Node's own type stripper, the same
 * one that runs firebreak: no build step, no bundler, nothing fetched from elsewhere.
 */
import { readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';

export interface Asset {
  contentType: string;
  body: string;
}

const DIR = new URL('./assets/', import.meta.url);

/**
 * Node marks `stripTypeScriptTypes` experimental and says so once per process with a warning;
 * the call is synchronous, so the warning is dropped for its duration only.
 */
function stripTypes(source: string): string {
  const emitWarning = process.emitWarning;
  process.emitWarning = (() => undefined) as typeof process.emitWarning;
  try {
    return stripTypeScriptTypes(source, { mode: 'strip' });
  } finally {
    process.emitWarning = emitWarning;
  }
}

export function loadAssets(): Map<string, Asset> {
  return new Map<string, Asset>([
    ['console.css', { contentType: 'text/css; charset=utf-8', body: readFileSync(new URL('console.css', DIR), 'utf8') }],
    ['live.js', { contentType: 'text/javascript; charset=utf-8', body: stripTypes(readFileSync(new URL('live.ts', DIR), 'utf8')) }],
  ]);
}
