/**
 * Switching the mode (admins): what the other mode does, and the reason, recorded with the mode.
 * Switching to enforce is confirmed here, since it lets firebreak change the clusters; the
 * server refuses to switch to enforce without this page's confirmation field. Both directions
 * apply on every replica sharing the store, from their next decision on.
 */
import type { AutomationStatus } from '../../engine/engine.ts';
import type { Mode } from '../../model/engine.ts';
import { html, type Html } from '../html.ts';
import { formFields, page, type PageContext } from './layout.ts';

const CONSEQUENCES: Record<Mode, Html> = {
  enforce: html`<p><strong>In enforce, firebreak changes the Kafka clusters</strong>: runbook steps set client quotas, topic retention and replication throttles, and release them, instead of only planning and recording them. It applies on every replica sharing this store, from its next decision on; steps that need an approval still wait for one.</p>`,
  'dry-run': html`<p><strong>In dry-run, firebreak changes nothing by itself</strong>: runbook steps are planned and recorded, not executed, on every replica sharing this store, from its next decision on. Changes in force stay in force and are <strong>not released automatically</strong> (their releases are only planned): revert them by hand on their incident's page when it is safe.</p>`,
};

export function modeSwitchPage(ctx: PageContext, automation: AutomationStatus, to: Mode): Html {
  if (automation.mode === to) {
    const by = automation.modeChangedBy === null ? '' : ` by ${automation.modeChangedBy}`;
    return page(ctx, {
      title: `Mode ${to}`,
      body: html`<h1>The mode is already ${to}</h1>
<p>Set${by}${automation.modeReason === null ? '' : `: ${automation.modeReason}`}.</p>
<p><a href="${ctx.path}">Back</a></p>`,
    });
  }
  const running =
    to === 'enforce'
      ? automation.paused
        ? html`<p>Automation is <strong>paused</strong>: nothing changes until someone resumes it.</p>`
        : html`<p>Automation is <strong>running</strong>: a step of an open incident may change a cluster at once.</p>`
      : '';
  return page(ctx, {
    title: `Switch to ${to}`,
    body: html`<h1>Switch to ${to}?</h1>
<div class="needs">${CONSEQUENCES[to]}${running}</div>
<form method="post" action="/automation/mode" class="stack">
${formFields(ctx)}
<input type="hidden" name="mode" value="${to}">
${to === 'enforce' ? html`<input type="hidden" name="confirm" value="enforce">` : ''}
<label for="mode-reason">Reason (recorded with the mode${to === 'enforce' ? '' : ', optional'})</label>
<input id="mode-reason" type="text" name="reason" maxlength="2000"${to === 'enforce' ? html` required` : ''}>
<button type="submit" class="${to === 'enforce' ? 'danger' : 'primary'}">Switch to ${to}</button>
</form>
<p><a href="${ctx.path}">Cancel: stay in ${automation.mode}</a></p>`,
  });
}
