/** The Grafana actions; `registerGrafanaActions` adds them to a registry. */
import type { ActionRegistry } from '../registry.ts';
import type { Action } from '../types.ts';
import { grafanaAnnotate } from './annotate.ts';

export const GRAFANA_ACTIONS: readonly Action[] = [grafanaAnnotate] as Action[];

export function registerGrafanaActions(registry: ActionRegistry): ActionRegistry {
  for (const action of GRAFANA_ACTIONS) registry.register(action);
  return registry;
}
