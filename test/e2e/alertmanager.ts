/** The real Alertmanager of the end-to-end tests: scripts/pipeline/alertmanager.ts, shared with `npm run demo`. */
export { findAlertmanager, freePort, startAlertmanager, type Alertmanager, type ClusterOptions } from '../../scripts/pipeline/alertmanager.ts';
