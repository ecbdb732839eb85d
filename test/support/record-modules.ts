/**
 * Preloaded with `node --import` by tests that check what a command loads: appends the URL of
 * every module the process loads (ESM and CommonJS, every thread) to the file named by
 * FIREBREAK_TEST_MODULES_FILE, one per line.
 */
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const file = process.env.FIREBREAK_TEST_MODULES_FILE;
if (file !== undefined) {
  registerHooks({
    load(url, context, next) {
      appendFileSync(file, `${url}\n`);
      return next(url, context);
    },
  });
}
