/** What every read-only action plans: nothing to change, nothing touched. */
import type { Plan } from '../../types.ts';

export function readOnlyPlan(summary: string): Plan {
  return { summary, changes: [], touches: { topics: [], clients: [] } };
}
