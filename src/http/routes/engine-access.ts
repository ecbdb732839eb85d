/** What the engine routes share: the engine, or ENGINE_DISABLED (503) when the app runs without one. */
import type { Engine } from '../../engine/engine.ts';
import { httpError } from '../errors.ts';

export function requireEngine(engine: Engine | null): Engine {
  if (engine === null) throw httpError(503, 'ENGINE_DISABLED', 'the runbook engine is not running in this process');
  return engine;
}
