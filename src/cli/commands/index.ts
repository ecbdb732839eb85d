/**
 * The command table. A new command is one module exporting a {@link Command} and one line here;
 * `firebreak --help` lists them in this order.
 */
import type { Command } from '../types.ts';
import { serveCommand } from '../serve-command.ts';
import { validateCommand } from '../validate.ts';
import { actionCommand } from './action.ts';
import { approvalsCommand } from './approvals.ts';
import { approveCommand, rejectCommand } from './approve.ts';
import { holdCommand } from './hold.ts';
import { incidentCommand } from './incident.ts';
import { incidentsCommand } from './incidents.ts';
import { modeCommand } from './mode.ts';
import { pauseCommand } from './pause.ts';
import { resumeCommand } from './resume.ts';
import { revertCommand } from './revert.ts';
import { simulateCommand } from './simulate.ts';
import { storeCommand } from './store.ts';

export const COMMANDS: readonly Command[] = [
  serveCommand,
  actionCommand,
  validateCommand,
  simulateCommand,
  incidentsCommand,
  incidentCommand,
  approvalsCommand,
  pauseCommand,
  resumeCommand,
  modeCommand,
  revertCommand,
  holdCommand,
  approveCommand,
  rejectCommand,
  storeCommand,
];
