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
export { DEFAULT_ENGINE_LIMITS, engineLimits, guardSettings, type EngineConfig, type EngineLimits, type EngineMode } from './settings.ts';
