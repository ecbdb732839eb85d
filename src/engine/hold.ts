/**
 * Steering a loop-breaker hold by hand (docs/engine.md "Steering a hold"):
 * `POST /api/v1/incidents/:id/hold/hand-back|clear`, `firebreak hold`, the incident page.
 *
 * - **hand-back**: automation takes the group back. The hold is lifted and the change stays in
 *   force; when the incident's alerts have resolved, its release is scheduled now, as its step
 *   says (`release.scheduled`); while they fire, it is released at the next resolve like any
 *   other change.
 * - **clear**: the hold is lifted and the held changes are reverted now, exactly as
 *   `firebreak revert` would (a person asked for it: in any mode and while paused).
 *
 * Either way a reason is required and recorded with the actor (`release.hold-lifted`), and the
 * loop breaker counts the group's contain/release cycles again from this moment only
 * (`releaseState.lifted`), so the next re-fire is judged afresh instead of tripping it at once.
 */
import { incidentNotFound } from '../incidents/errors.ts';
import { inPlace, type HoldLift, type HoldLiftHow } from '../model/engine.ts';
import { notHeld } from './errors.ts';
import { releaseStateOf } from './levels.ts';
import { revertIncident, type RevertReport } from './manual-revert.ts';
import { scheduleRelease } from './release.ts';
import { record, type Runtime } from './runtime.ts';

export interface HoldReport {
  incidentId: string;
  how: HoldLiftHow;
  /** The steps whose hold was lifted. */
  steps: string[];
  /** hand-back: releases scheduled now (the incident's alerts have resolved); 0 while they fire. */
  releasesScheduled: number;
  /** clear: what the revert did to each held change; null for hand-back. */
  revert: RevertReport | null;
  /** One sentence: what was done. */
  message: string;
}

export async function liftHold(rt: Runtime, input: { incidentId: string; how: HoldLiftHow; actor: string; reason: string }): Promise<HoldReport> {
  const { incidentId, how, actor, reason } = input;
  if ((await rt.store.getIncident(incidentId)) === null) throw incidentNotFound(incidentId);
  const lifted = await record(rt, async (r) => {
    // A held change reverted by hand meanwhile still holds the incident (no new change runs): lifted too.
    const held = (await r.tx.stepClaims({ incidentId })).filter((c) => c.mutating && releaseStateOf(c).hold !== null);
    if (held.length === 0) throw notHeld(incidentId);
    const inForce = held.filter(inPlace);
    const lift: HoldLift = { how, at: r.now, by: actor, reason };
    for (const claim of held) await r.tx.setReleaseState(claim.id, { ...releaseStateOf(claim), hold: null, lifted: lift });
    const steps = [...new Set(held.map((c) => c.stepId))];
    const incident = await r.tx.getIncident(incidentId);
    const firing = incident?.status === 'open' || incident?.status === 'contained';
    await r.append({
      incidentId,
      phase: 'containment',
      actor,
      kind: 'release.hold-lifted',
      summary:
        how === 'clear'
          ? `${actor} cleared the loop breaker's hold on step ${steps.join(', ')} and released it now: ${reason}`
          : `${actor} handed step ${steps.join(', ')} back to automation (the loop breaker's hold is lifted; ${firing ? 'released at the next resolve' : 'released now as its step says'}): ${reason}`,
      data: { how, reason, steps, claims: held.map((c) => c.id) },
    });
    let scheduled = 0;
    if (how === 'hand-back' && !firing) {
      for (const claim of [...inForce].reverse()) {
        const [fresh] = await r.tx.stepClaims({ id: claim.id });
        await scheduleRelease(r, rt, fresh ?? claim, { key: `release:${claim.id}:hand-back-${r.now}`, runId: null });
        scheduled += 1;
      }
    }
    return { steps, scheduled, claims: new Set(inForce.map((c) => c.id)) };
  });

  let revert: RevertReport | null = null;
  if (how === 'clear') {
    const results: RevertReport['results'] = [];
    for (const stepId of lifted.steps) {
      // Only the held changes: earlier changes of the step were released before.
      results.push(...(await revertIncident(rt, { incidentId, stepId, actor })).results.filter((x) => lifted.claims.has(x.claimId)));
    }
    const done = results.filter((x) => x.status === 'reverted').length;
    revert = { incidentId, results, message: `${done} of ${results.length} held change${results.length === 1 ? '' : 's'} reverted` };
  }
  rt.logger.warn({ incidentId, how, actor, reason, steps: lifted.steps }, 'loop-breaker hold lifted by hand');
  const message =
    how === 'clear'
      ? `hold cleared: ${revert?.message ?? ''}`
      : lifted.scheduled > 0
        ? `handed back to automation: ${lifted.scheduled} release${lifted.scheduled === 1 ? '' : 's'} scheduled`
        : 'handed back to automation: released at the next resolve of the alert';
  return { incidentId, how, steps: lifted.steps, releasesScheduled: lifted.scheduled, revert, message };
}
