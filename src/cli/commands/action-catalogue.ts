/** `firebreak action --list`: the catalogue as a table (or JSON with `--json`). */
import type { ActionDescriptor } from '../../actions/registry.ts';

export function formatCatalogue(actions: readonly ActionDescriptor[]): string {
  const width = Math.max(...actions.map((a) => a.name.length), 6);
  const kind = (a: ActionDescriptor): string => (a.mutating ? `mutating, revert ${a.defaultRevert}` : 'read-only');
  const kindWidth = Math.max(...actions.map((a) => kind(a).length), 4);
  const lines = [
    `${'ACTION'.padEnd(width)}  ${'KIND'.padEnd(kindWidth)}  DESCRIPTION`,
    ...actions.map((a) => `${a.name.padEnd(width)}  ${kind(a).padEnd(kindWidth)}  ${a.description}`),
    '',
    'Parameters: firebreak action --list --json (JSON Schemas), or docs/actions.md.',
    '',
  ];
  return lines.join('\n');
}
