/** The Prometheus actions; `registerPrometheusActions` adds them to a registry. */
import type { ActionRegistry } from '../registry.ts';
import type { Action } from '../types.ts';
import { prometheusQuery } from './query.ts';

export const PROMETHEUS_ACTIONS: readonly Action[] = [prometheusQuery] as Action[];

export function registerPrometheusActions(registry: ActionRegistry): ActionRegistry {
  for (const action of PROMETHEUS_ACTIONS) registry.register(action);
  return registry;
}
