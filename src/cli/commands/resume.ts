/** `firebreak resume`: see pause.ts, which defines both halves of the automation switch. */
export { resumeCommand } from './pause.ts';
