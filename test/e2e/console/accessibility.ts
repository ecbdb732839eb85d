/**
 * Per-page checks for the browser tests: axe-core (run through the DevTools protocol, which the
 * page's Content-Security-Policy does not restrict) must report no serious or critical
 * violation, and a full-page screenshot is saved under the test output directory
 * (`FIREBREAK_TEST_OUTPUT`, default `test-output/` in the repository).
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Page } from 'puppeteer-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const TEST_OUTPUT = process.env.FIREBREAK_TEST_OUTPUT ?? join(import.meta.dirname, '../../../test-output');
export const SCREENSHOTS = join(TEST_OUTPUT, 'console');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** Screenshot `name`.png, then fail on any serious or critical axe violation. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)")) as AxeViolation[];
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    `axe on the ${name} page`,
  ).to.deep.equal([]);
}
