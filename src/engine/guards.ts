/**
 * Guards: pure functions that decide, for one step about to run, whether it runs, is only
 * planned (dry-run), waits for approval, is skipped or is blocked, and why. No I/O, no clock
 * reads: `now` and the history come in with the input, so the same input always gives the same
 * decision, which is stored on the timeline and counted by reason.
 *
 * {@link decide} asks the guards of {@link GUARD_ORDER} in turn; the first that returns a
 * decision wins. The order is the contract:
 *
 *  1. `resolved-no-containment` (skip): a resolved notification never runs containment, nor any
 *     change outside the recovery phase. Checked before anything else.
 *  2. `trigger-mismatch` (skip): the step is for the other status (`on:`).
 *  3. `incident-closed` (skip): nothing runs for a closed incident.
 *  4. `alert-resolved` (skip): a firing run whose incident has no alert firing any more (it
 *     resolved while the run waited) changes nothing.
 *  5. `condition-false` (skip): the step's `when:` evaluated to false.
 *  6. `already-applied` (skip): this mutating step's change is in place in this incident
 *     (executed and not reverted); re-firing does not apply it twice.
 *  7. `run-active` (block): another run of this runbook for this incident is in progress.
 *  8. `read-only` (run): read-only steps run from here on, even in dry-run and while paused.
 *  9. `paused` (block): the kill switch stops every change.
 * 10. `loop-breaker` (block): the loop breaker stopped automation of this incident group; only
 *     the re-application of the last level that held goes on (it keeps the safe level in force).
 * 11. `cooldown`, `rate-limit` (block): the previous run started less than `cooldown` ago, or
 *     `maxRunsPerHour` runs started in the last hour. Neither applies to re-applying a change
 *     firebreak released too early: its own release caused the re-fire.
 * 12. `plan-unavailable` (block): a change without a plan cannot be checked, so it does not run.
 * 13. `protected-resource` (block): the plan touches a protected topic (`__*` always).
 * 14. `cap-topics`, `cap-clients` (block): the incident would change more distinct topics or
 *     clients than allowed.
 * 15. `floor` (block): a quota or retention below its floor.
 * 16. `quota-callback` (block): a broker runs a custom `client.quota.callback.class`, so a quota
 *     would be stored and change nothing.
 * 17. `broker-rejected` (block): asked to validate the change (`validateOnly`), the broker
 *     refused it; the detail carries its message.
 * 18. `data-loss` (block): the change (a retention cut) would delete records a consumer group has
 *     not read, and the runbook's `onDataLoss` is `block` (the default). With `approve` it goes on
 *     and needs a granted approval like a step with `approval: required` (the first request is
 *     counted as `data-loss`, verdict wait-approval).
 * 19. `mode-dry-run` (dry-run): in dry-run mode a change that passed every check is planned and
 *     recorded, not executed (and no approval is requested for it).
 * 20. `approval-rejected`, `approval-expired` (block), `approval-required`, `approval-pending`
 *     (wait-approval): steps with `approval: required` need a granted approval.
 * 21. `released-too-early` (run) for a re-application of a change released too early, else
 *     `allowed` (run).
 *
 * Effective limits: the runbook's `cooldown` and `maxRunsPerHour` replace the global defaults;
 * caps take the smaller, floors the larger of global and runbook values; protected topics are
 * the union.
 */
import { formatDuration } from '../core/duration.ts';
import { DEFAULT_APPROVAL_TIMEOUT_MS, type RunbookPolicy } from '../runbooks/types.ts';
import type { Guard, GuardDecision, GuardInput, GuardReason, GuardVerdict, PlanSummary, RunRecord } from './guards/types.ts';

export * from './guards/types.ts';

const HOUR_MS = 3_600_000;
/** Kafka's internal topics (`__consumer_offsets`, `__transaction_state`...): never changed. */
export const ALWAYS_PROTECTED_TOPICS = '__.*';

function decision(verdict: GuardVerdict, reason: GuardReason, detail: string): GuardDecision {
  return { verdict, reason, detail };
}


/** Runs that count for cooldown and rate limits: earlier runs that did or planned something. */
function countedRuns(input: GuardInput): RunRecord[] {
  return input.history.runs.filter((r) => r.id !== input.runId && r.outcome !== 'blocked' && r.startedAt <= input.now);
}

/** The limits in force for this runbook (see the module comment). */
export function effectiveLimits(input: Pick<GuardInput, 'settings' | 'policy'>): {
  cooldownMs: number;
  maxRunsPerHour: number;
  maxTopicsPerIncident: number;
  maxClientsPerIncident: number;
  minQuotaByteRate: number;
  minRetentionMs: number;
  protectedTopics: string[];
} {
  const { limits, defaults } = input.settings;
  const policy: RunbookPolicy = input.policy;
  return {
    cooldownMs: policy.cooldownMs ?? defaults.cooldownMs,
    maxRunsPerHour: policy.maxRunsPerHour ?? defaults.maxRunsPerHour,
    maxTopicsPerIncident: Math.min(limits.maxTopicsPerIncident, policy.maxTopicsPerIncident ?? Infinity),
    maxClientsPerIncident: Math.min(limits.maxClientsPerIncident, policy.maxClientsPerIncident ?? Infinity),
    minQuotaByteRate: Math.max(limits.minQuotaByteRate, policy.minQuotaByteRate ?? 0),
    minRetentionMs: Math.max(limits.minRetentionMs, policy.minRetentionMs ?? 0),
    protectedTopics: [ALWAYS_PROTECTED_TOPICS, ...limits.protectedTopics, ...policy.protectedTopics],
  };
}

export const resolvedNoContainment: Guard = ({ trigger, step }) => {
  if (trigger !== 'resolved') return null;
  if (step.phase === 'containment') return decision('skip', 'resolved-no-containment', 'a resolved alert never triggers containment');
  if (step.mutating && step.phase !== 'recovery') {
    return decision('skip', 'resolved-no-containment', `a resolved alert only triggers recovery changes, not ${step.phase}`);
  }
  return null;
};

export const triggerMismatch: Guard = ({ trigger, step }) =>
  step.on === trigger ? null : decision('skip', 'trigger-mismatch', `step runs on ${step.on}, notification is ${trigger}`);

export const incidentClosed: Guard = ({ incident }) =>
  incident.status === 'closed' ? decision('skip', 'incident-closed', `incident ${incident.id} is closed`) : null;

export const alertResolved: Guard = ({ trigger, step, alertFiring }) =>
  trigger === 'firing' && step.mutating && alertFiring === false
    ? decision('skip', 'alert-resolved', 'no alert of the incident fires any more: it resolved while this run waited')
    : null;

export const loopBreaker: Guard = ({ step, episode }) =>
  step.mutating && episode?.loopBroken === true && !episode.reapply
    ? decision('block', 'loop-breaker', 'the loop breaker stopped automation of this incident group: a person decides what changes now')
    : null;

export const conditionFalse: Guard = ({ condition }) =>
  condition === false ? decision('skip', 'condition-false', 'when: evaluated to false') : null;

export const alreadyApplied: Guard = ({ step, history }) => {
  if (!step.mutating) return null;
  const applied = history.executedSteps.find((e) => e.stepId === step.id && !e.reverted);
  return applied === undefined ? null : decision('skip', 'already-applied', `step ${step.id} is already applied in this incident`);
};

export const runActive: Guard = (input) => {
  const other = input.history.runs.find((r) => r.outcome === 'running' && r.id !== input.runId);
  return other === undefined ? null : decision('block', 'run-active', `run ${other.id} of this runbook is still in progress`);
};

export const readOnly: Guard = ({ step }) => (step.mutating ? null : decision('run', 'read-only', 'read-only step'));

export const paused: Guard = ({ settings }) =>
  settings.paused ? decision('block', 'paused', 'automation is paused: no changes are made') : null;

export const cooldown: Guard = (input) => {
  if (input.episode?.reapply === true) return null;
  const { cooldownMs } = effectiveLimits(input);
  if (cooldownMs <= 0) return null;
  const last = Math.max(...countedRuns(input).map((r) => r.startedAt));
  if (!Number.isFinite(last)) return null;
  const since = input.now - last;
  return since < cooldownMs
    ? decision('block', 'cooldown', `previous run started ${formatDuration(since)} ago, cooldown is ${formatDuration(cooldownMs)}`)
    : null;
};

export const rateLimit: Guard = (input) => {
  if (input.episode?.reapply === true) return null;
  const { maxRunsPerHour } = effectiveLimits(input);
  // The window is the last hour, start excluded: a run exactly one hour old no longer counts.
  const inWindow = countedRuns(input).filter((r) => r.startedAt > input.now - HOUR_MS).length;
  return inWindow >= maxRunsPerHour
    ? decision('block', 'rate-limit', `${inWindow} runs in the last hour, at most ${maxRunsPerHour} allowed`)
    : null;
};

export const planUnavailable: Guard = ({ plan, step }) =>
  plan === null ? decision('block', 'plan-unavailable', `no plan for mutating step ${step.id}: its changes cannot be checked`) : null;

export const protectedResource: Guard = (input) => {
  if (input.plan === null) return null;
  for (const source of effectiveLimits(input).protectedTopics) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${source})$`);
    } catch {
      // A pattern that does not compile protects everything it might have meant: fail closed.
      if (input.plan.topics.length > 0) return decision('block', 'protected-resource', `protected topic pattern ${source} is invalid`);
      continue;
    }
    const hit = input.plan.topics.find((t) => re.test(t));
    if (hit !== undefined) return decision('block', 'protected-resource', `topic ${hit} is protected (${source})`);
  }
  return null;
};

function capGuard(kind: 'topics' | 'clients'): Guard {
  return (input) => {
    if (input.plan === null) return null;
    const limits = effectiveLimits(input);
    const max = kind === 'topics' ? limits.maxTopicsPerIncident : limits.maxClientsPerIncident;
    const all = new Set([...input.history.touched[kind], ...input.plan[kind]]);
    return all.size > max
      ? decision('block', kind === 'topics' ? 'cap-topics' : 'cap-clients', `the incident would change ${all.size} ${kind}, at most ${max} allowed`)
      : null;
  };
}

export const capTopics: Guard = capGuard('topics');
export const capClients: Guard = capGuard('clients');

export const floor: Guard = (input) => {
  if (input.plan === null) return null;
  const { minQuotaByteRate, minRetentionMs } = effectiveLimits(input);
  const quota = input.plan.quotaByteRates.find((v) => v < minQuotaByteRate);
  if (quota !== undefined) return decision('block', 'floor', `quota ${quota} B/s is below the floor of ${minQuotaByteRate} B/s`);
  const retention = input.plan.retentionMs.find((v) => v < minRetentionMs);
  if (retention !== undefined) return decision('block', 'floor', `retention.ms ${retention} is below the floor of ${minRetentionMs}`);
  return null;
};

export const quotaCallback: Guard = ({ plan }) =>
  plan?.quotaCallback === undefined
    ? null
    : decision('block', 'quota-callback', `the brokers run the custom quota callback ${plan.quotaCallback} (client.quota.callback.class): a quota set through the admin API would change nothing`);

export const brokerRejected: Guard = ({ plan }) =>
  plan?.brokerRejected === undefined
    ? null
    : decision('block', 'broker-rejected', `the broker rejects the change (${plan.brokerRejected.code}): ${plan.brokerRejected.message}`);

function dataLossText(plan: PlanSummary): string {
  const found = plan.dataLoss ?? [];
  const groups = [...new Set(found.map((d) => d.group))];
  const records = found.reduce((s, d) => s + d.unreadRecords, 0);
  return `the change would delete ${records} records consumer group${groups.length > 1 ? 's' : ''} ${groups.join(', ')} ha${groups.length > 1 ? 've' : 's'} not read (${[...new Set(found.map((d) => `${d.topic}-${d.partition}`))].join(', ')})`;
}

/** True when the plan deletes unread records and the runbook lets an approval accept that. */
function dataLossNeedsApproval(input: GuardInput): boolean {
  return (input.plan?.dataLoss?.length ?? 0) > 0 && input.policy.onDataLoss === 'approve';
}

export const dataLoss: Guard = (input) => {
  const plan = input.plan;
  if (plan === null || (plan.dataLoss?.length ?? 0) === 0 || dataLossNeedsApproval(input)) return null;
  return decision('block', 'data-loss', `${dataLossText(plan)}; the runbook's onDataLoss is block`);
};

export const modeDryRun: Guard = ({ settings }) =>
  settings.mode === 'dry-run' ? decision('dry-run', 'mode-dry-run', 'dry-run mode: planned and recorded, not executed') : null;

export const approval: Guard = (input) => {
  const { step, history, now } = input;
  const forDataLoss = dataLossNeedsApproval(input);
  if (step.approval !== 'required' && !forDataLoss) return null;
  const record = history.approval;
  if (record === null) {
    return forDataLoss && input.plan !== null
      ? decision('wait-approval', 'data-loss', `${dataLossText(input.plan)}; onDataLoss: approve, so step ${step.id} needs an approval`)
      : decision('wait-approval', 'approval-required', `step ${step.id} needs an approval`);
  }
  if (record.state === 'granted') return null;
  if (record.state === 'rejected') return decision('block', 'approval-rejected', `approval of step ${step.id} was rejected`);
  // The loader always sets a timeout for required approvals; the default is a backstop.
  const timeout = step.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
  const waited = now - record.requestedAt;
  return waited >= timeout
    ? decision('block', 'approval-expired', `approval requested ${formatDuration(waited)} ago expired after ${formatDuration(timeout)}`)
    : decision('wait-approval', 'approval-pending', `waiting for approval since ${formatDuration(waited)}`);
};

/** The guards in the order {@link decide} asks them (see the module comment). */
export const GUARD_ORDER: ReadonlyArray<{ name: string; guard: Guard }> = [
  { name: 'resolved-no-containment', guard: resolvedNoContainment },
  { name: 'trigger-mismatch', guard: triggerMismatch },
  { name: 'incident-closed', guard: incidentClosed },
  { name: 'alert-resolved', guard: alertResolved },
  { name: 'condition-false', guard: conditionFalse },
  { name: 'already-applied', guard: alreadyApplied },
  { name: 'run-active', guard: runActive },
  { name: 'read-only', guard: readOnly },
  { name: 'paused', guard: paused },
  { name: 'loop-breaker', guard: loopBreaker },
  { name: 'cooldown', guard: cooldown },
  { name: 'rate-limit', guard: rateLimit },
  { name: 'plan-unavailable', guard: planUnavailable },
  { name: 'protected-resource', guard: protectedResource },
  { name: 'cap-topics', guard: capTopics },
  { name: 'cap-clients', guard: capClients },
  { name: 'floor', guard: floor },
  { name: 'quota-callback', guard: quotaCallback },
  { name: 'broker-rejected', guard: brokerRejected },
  { name: 'data-loss', guard: dataLoss },
  { name: 'mode-dry-run', guard: modeDryRun },
  { name: 'approval', guard: approval },
];

/** The decision for one step: the first guard that decides, else `run` / `allowed`. */
export function decide(input: GuardInput): GuardDecision {
  for (const { guard } of GUARD_ORDER) {
    const d = guard(input);
    if (d !== null) return d;
  }
  if (input.episode?.reapply === true) {
    return decision('run', 'released-too-early', `re-applying the last level that held: firebreak's release came too early (re-fire ${input.episode.tooEarly} of this episode)`);
  }
  return decision('run', 'allowed', 'every guard passed');
}
