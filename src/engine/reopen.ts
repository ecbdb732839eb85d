/**
 * Containment gone while the alerts still fire: a `contained` incident whose every reversible
 * change was reverted (by hand, or released at its maxDuration) goes back to `open`.
 */
import { transitionIncident } from '../incidents/lifecycle.ts';
import { inPlace } from '../model/engine.ts';
import { record, type Runtime } from './runtime.ts';

/** A `contained` incident with no reversible change left in force goes back to `open` (its alerts still fire). */
export async function reopenIfUncontained(rt: Runtime, incidentId: string, actor: string): Promise<void> {
  await record(rt, async (r) => {
    const incident = await r.tx.getIncident(incidentId);
    if (incident?.status !== 'contained') return;
    // Changes marked `revert: never` are permanent fixes, not containment.
    const claims = await r.tx.stepClaims({ incidentId });
    if (claims.some((c) => inPlace(c) && c.revert !== 'never')) return;
    const how = actor === 'engine' ? 'released (maxDuration)' : 'reverted by hand';
    await transitionIncident(r.tx, incidentId, 'open', r.now, actor, `Containment ${how} while the alerts still fire`, {});
  });
}
