/** The notification actions; `registerNotifyActions` adds them to a registry. */
import type { ActionRegistry } from '../registry.ts';
import type { Action } from '../types.ts';
import { notify } from './notify.ts';

export const NOTIFY_ACTIONS: readonly Action[] = [notify] as Action[];

export function registerNotifyActions(registry: ActionRegistry): ActionRegistry {
  for (const action of NOTIFY_ACTIONS) registry.register(action);
  return registry;
}
