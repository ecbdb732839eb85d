/**
 * The actions a simulation runs the engine with: the real ones, with only their side effects
 * swapped out. Each keeps its name, parameter schema, mutating flag and `plan` (plans only
 * read); `execute` of a change returns its plan instead of applying it, `revert` undoes nothing,
 * and a read-only action is executed only when it is evidence the caller asked to gather (Kafka
 * reads with brokers); any other read-only step (a Prometheus check, a notification, a wait)
 * returns no output at once. So the engine decides, renders, plans and records exactly as it
 * would, and nothing outside the simulation changes.
 */
import { ActionRegistry } from '../actions/registry.ts';
import type { Action } from '../actions/types.ts';

/** Why a step's real output is not in the simulation, or null when it was gathered. */
export type NotGathered = (action: string) => string | null;

/**
 * A registry of stand-ins for every action of `registry`. `gather(action)` says whether a
 * read-only action's real output is gathered (it is then executed for real).
 */
export function simulationRegistry(registry: ActionRegistry, gather: (action: string) => boolean): ActionRegistry {
  const stand = new ActionRegistry();
  for (const { name } of registry.list()) {
    const real = registry.get(name);
    const action: Action = {
      name: real.name,
      description: real.description,
      mutating: real.mutating,
      defaultRevert: real.defaultRevert,
      paramsSchema: real.paramsSchema,
      plan: (ctx, params) => real.plan(ctx, params),
      async execute(ctx, params) {
        if (!real.mutating) return gather(name) ? real.execute(ctx, params) : { output: null };
        const plan = await real.plan(ctx, params);
        return { output: null, prior: null, applied: null, changes: plan.changes };
      },
      ...(real.revert === undefined ? {} : { revert: async () => ({ status: 'already-reverted' as const }) }),
    };
    stand.register(action);
  }
  return stand;
}
