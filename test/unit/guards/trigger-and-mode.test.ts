/** Which steps a notification runs at all: trigger, phase, mode, pause, conditions, earlier changes. */
import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { decide } from '../../../src/engine/guards.ts';
import { guardInput } from './support.ts';

const clock = new FakeClock();
const readOnly = { step: { mutating: false, phase: 'identification' as const }, plan: null };

describe('trigger guards', () => {
  it('never runs containment for a resolved notification, whatever else holds', () => {
    for (const mutating of [true, false]) {
      const d = decide(guardInput(clock, { trigger: 'resolved', step: { on: 'resolved', mutating }, settings: { mode: 'enforce' } }));
      expect([d.verdict, d.reason]).to.deep.equal(['skip', 'resolved-no-containment']);
    }
  });

  it('lets a resolved notification run recovery changes and read-only steps of any phase', () => {
    expect(decide(guardInput(clock, { trigger: 'resolved', step: { on: 'resolved', phase: 'recovery' } })).reason).to.equal('allowed');
    expect(decide(guardInput(clock, { trigger: 'resolved', step: { on: 'resolved', phase: 'identification', mutating: false }, plan: null })).reason).to.equal(
      'read-only',
    );
    expect(decide(guardInput(clock, { trigger: 'resolved', step: { on: 'resolved', phase: 'eradication' } })).reason).to.equal('resolved-no-containment');
  });

  it('skips steps written for the other status', () => {
    expect(decide(guardInput(clock, { trigger: 'firing', step: { on: 'resolved', phase: 'recovery' } })).reason).to.equal('trigger-mismatch');
    expect(decide(guardInput(clock, { trigger: 'resolved', step: { on: 'firing', phase: 'recovery' } })).reason).to.equal('trigger-mismatch');
  });
});

describe('mode and pause', () => {
  it('runs read-only steps in dry-run mode and while paused', () => {
    expect(decide(guardInput(clock, { ...readOnly, settings: { mode: 'dry-run' } })).verdict).to.equal('run');
    expect(decide(guardInput(clock, { ...readOnly, settings: { paused: true } })).verdict).to.equal('run');
  });

  it('plans changes in dry-run mode and blocks them while paused', () => {
    expect(decide(guardInput(clock, { settings: { mode: 'dry-run' } })).verdict).to.equal('dry-run');
    expect(decide(guardInput(clock, { settings: { paused: true } })).verdict).to.equal('block');
    expect(decide(guardInput(clock, { settings: { mode: 'dry-run', paused: true } })).reason).to.equal('paused');
  });
});

describe('conditions, closed incidents, changes already in place', () => {
  it('skips a step whose when: is false and runs it when true or absent', () => {
    expect(decide(guardInput(clock, { condition: false })).reason).to.equal('condition-false');
    expect(decide(guardInput(clock, { condition: true })).reason).to.equal('allowed');
    expect(decide(guardInput(clock, { condition: null })).reason).to.equal('allowed');
  });

  it('runs nothing for a closed incident, not even read-only steps', () => {
    expect(decide(guardInput(clock, { ...readOnly, incident: { status: 'closed' } })).reason).to.equal('incident-closed');
    expect(decide(guardInput(clock, { incident: { status: 'resolved' } })).reason).to.equal('allowed');
  });

  it('does not apply a change twice in one incident, but again once it was reverted', () => {
    const applied = [{ stepId: 'throttle', at: clock.now() - 1000, reverted: false }];
    expect(decide(guardInput(clock, { history: { executedSteps: applied } })).reason).to.equal('already-applied');
    const reverted = [{ stepId: 'throttle', at: clock.now() - 1000, reverted: true }];
    expect(decide(guardInput(clock, { history: { executedSteps: reverted } })).reason).to.equal('allowed');
    const other = [{ stepId: 'retention', at: clock.now() - 1000, reverted: false }];
    expect(decide(guardInput(clock, { history: { executedSteps: other } })).reason).to.equal('allowed');
  });

  it('blocks every step while another run of the runbook is in progress, but not for the current run', () => {
    const running = [{ id: 'run-current', startedAt: clock.now(), finishedAt: null, outcome: 'running' as const }];
    expect(decide(guardInput(clock, { history: { runs: running } })).reason).to.equal('allowed');
    const other = [{ id: 'run-other', startedAt: clock.now(), finishedAt: null, outcome: 'running' as const }];
    expect(decide(guardInput(clock, { ...readOnly, history: { runs: other } })).reason).to.equal('run-active');
  });
});
