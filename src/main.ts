/**
 * The `firebreak` executable. Turns on Node's module compile cache, then runs the command line
 * (cli/main.ts), whose modules are loaded only after the cache is on.
 *
 * The compile cache keeps the type-stripped TypeScript and V8's compiled code of every module on
 * disk, so a start after the first neither strips types again (nor loads the type stripper, about
 * 17 MiB in each thread) nor compiles what it has compiled before. Its directory is
 * NODE_COMPILE_CACHE when set (bin/firebreak and `npm start` set it before Node starts, so this
 * file and the worker threads use it too), else `.cache/node-compile-cache` in the installation:
 * written by whoever may write the code itself, never a shared temporary directory. Node checks
 * every entry against the source it was made from and falls back to compiling when the directory
 * cannot be written. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
import { enableCompileCache } from 'node:module';
import { join } from 'node:path';

if (process.env.NODE_DISABLE_COMPILE_CACHE === undefined) {
  const { directory } = enableCompileCache(process.env.NODE_COMPILE_CACHE ?? join(import.meta.dirname, '..', '.cache', 'node-compile-cache'));
  // Worker threads read it from their environment (a copy of this one) when they start.
  if (directory !== undefined) process.env.NODE_COMPILE_CACHE = directory;
}

await import('./cli/main.ts');
