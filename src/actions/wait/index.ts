/** The `wait` action; `registerWaitActions` adds it to a registry. */
import type { ActionRegistry } from '../registry.ts';
import type { Action } from '../types.ts';
import { wait } from './wait.ts';

export const WAIT_ACTIONS: readonly Action[] = [wait] as Action[];

export function registerWaitActions(registry: ActionRegistry): ActionRegistry {
  for (const action of WAIT_ACTIONS) registry.register(action);
  return registry;
}
