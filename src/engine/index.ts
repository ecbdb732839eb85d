/**
 * The runbook engine's public surface. See docs/engine.md for the pipeline (plan, guard,
 * execute, record, revert), the outbox and claims, approvals, pause and crash behaviour.
 */
export {
  simulateNotification,
  type Simulation,
  type SimulatedAlert,
  type SimulatedIncident,
  type SimulatedRun,
  type SimulatedStep,
  type SimulationDeps,
  type SimulationProblem,
} from './simulate.ts';
export { engineLimits, guardSettings, type EngineConfig } from './settings.ts';
