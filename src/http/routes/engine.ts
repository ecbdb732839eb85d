/**
 * The runbook engine's routes, registered with one call from app.ts: automation switch,
 * approvals, manual revert, runbooks. Without an engine they answer ENGINE_DISABLED (503).
 */
import type { Express } from 'express';
import type { Logger } from '../../core/logger.ts';
import type { Engine } from '../../engine/engine.ts';
import type { Authenticator } from '../auth.ts';
import { registerApprovalRoutes } from './approvals.ts';
import { registerAutomationRoutes } from './automation.ts';
import { registerRevertRoutes } from './revert.ts';
import { registerRunbookRoutes } from './runbooks.ts';

export interface EngineRoutesDeps {
  engine: Engine | null;
  auth: Authenticator;
  logger: Logger;
  /** Largest API request body, bytes. */
  bodyLimit: number;
}

export function registerEngineRoutes(app: Express, deps: EngineRoutesDeps): void {
  registerAutomationRoutes(app, deps);
  registerApprovalRoutes(app, deps);
  registerRevertRoutes(app, deps);
  registerRunbookRoutes(app, deps);
}
