/** The generic HTTP action; `registerHttpActions` adds it to a registry. */
import type { ActionRegistry } from '../registry.ts';
import type { Action } from '../types.ts';
import { httpRequest } from './request.ts';

export const HTTP_ACTIONS: readonly Action[] = [httpRequest] as Action[];

export function registerHttpActions(registry: ActionRegistry): ActionRegistry {
  for (const action of HTTP_ACTIONS) registry.register(action);
  return registry;
}
