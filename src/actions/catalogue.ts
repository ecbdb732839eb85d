/**
 * Every action firebreak ships, in one registry: the Kafka actions and the HTTP integrations
 * (Prometheus, Grafana, notify, http.request) and `wait`. The CLI and the server build their
 * registry here, so `firebreak validate` checks runbooks against exactly what the server runs.
 */
import { registerGrafanaActions } from './grafana/index.ts';
import { registerHttpActions } from './http/index.ts';
import { registerKafkaActions } from './kafka/index.ts';
import { registerNotifyActions } from './notify/index.ts';
import { registerPrometheusActions } from './prometheus/index.ts';
import { ActionRegistry } from './registry.ts';
import { registerWaitActions } from './wait/index.ts';

/** A new registry holding every shipped action. */
export function createActionRegistry(): ActionRegistry {
  const registry = new ActionRegistry();
  for (const register of [registerKafkaActions, registerPrometheusActions, registerGrafanaActions, registerNotifyActions, registerHttpActions, registerWaitActions]) {
    register(registry);
  }
  return registry;
}
