/**
 * `notify`: posts a message to a notification target named in the configuration
 * (`notify.targets.<name>: { url, kind }`). A runbook names the target, never a URL: where
 * messages go is the operator's decision, and incoming-webhook URLs are secrets that do not
 * belong in runbook files.
 *
 * Kinds:
 * - `slack`: a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat...): the body
 *   is `{"text": "<title>\n<text>"}`;
 * - `webhook`: generic JSON, `{"text", "title", "data"}` (`title` and `data` when given).
 *
 * Read-only as far as firebreak's safety model goes: it changes nothing in the cluster, so it
 * also runs in dry-run mode and while automation is paused, which is when people most need to
 * be told what firebreak would do. Any 2xx answer is success.
 */
import { exchange, statusError } from '../http/client.ts';
import type { Action, IntegrationSettings, NotifyTarget, Plan } from '../types.ts';
import { notifyError } from '../integration-errors.ts';

export interface NotifyParams {
  /** A name under `notify.targets` in the configuration. */
  target: string;
  text: string;
  title?: string;
  /** Extra fields for `webhook` targets (ignored by `slack` ones). */
  data?: Record<string, string | number | boolean | null>;
}

export interface NotifyOutput {
  target: string;
  kind: NotifyTarget['kind'];
  status: number;
}

/** The named target, or `NOTIFY_TARGET_UNKNOWN` (422) listing the configured names. */
export function notifyTarget(integrations: IntegrationSettings | undefined, name: string): NotifyTarget & { timeoutMs: number } {
  const settings = integrations?.notify;
  const target = settings !== undefined && Object.hasOwn(settings.targets, name) ? settings.targets[name] : undefined;
  if (settings === undefined || target === undefined) {
    const known = settings === undefined ? [] : Object.keys(settings.targets).sort();
    throw notifyError('NOTIFY_TARGET_UNKNOWN', `no notification target "${name}" is configured (notify.targets${known.length === 0 ? ' is empty' : `: ${known.join(', ')}`})`, {
      details: { target: name, known },
    });
  }
  return { ...target, timeoutMs: settings.timeoutMs };
}

/** The JSON body for a target kind (pure). */
export function notifyBody(kind: NotifyTarget['kind'], params: NotifyParams): Record<string, unknown> {
  if (kind === 'slack') return { text: params.title === undefined ? params.text : `*${params.title}*\n${params.text}` };
  return {
    text: params.text,
    ...(params.title === undefined ? {} : { title: params.title }),
    ...(params.data === undefined ? {} : { data: params.data }),
  };
}

export const notify: Action<NotifyParams, NotifyOutput> = {
  name: 'notify',
  description: 'Post a message to a configured notification target (Slack-compatible or generic JSON webhook), by name.',
  mutating: false,
  defaultRevert: 'never',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['target', 'text'],
    properties: {
      target: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
      text: { type: 'string', minLength: 1, maxLength: 40_000 },
      title: { type: 'string', minLength: 1, maxLength: 500 },
      data: {
        type: 'object',
        maxProperties: 64,
        propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$' },
        additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
      },
    },
  },

  async plan(ctx, params): Promise<Plan> {
    const target = notifyTarget(ctx.integrations, params.target);
    return { summary: `notify ${params.target} (${target.kind}): ${params.title ?? params.text.split('\n')[0]}`, changes: [], touches: { topics: [], clients: [] } };
  },

  async execute(ctx, params) {
    const target = notifyTarget(ctx.integrations, params.target);
    const display = `notification target "${params.target}"`;
    const answer = await exchange('NOTIFY', {
      method: 'POST',
      url: target.url,
      body: notifyBody(target.kind, params),
      timeoutMs: target.timeoutMs,
      display,
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    });
    if (answer.status < 200 || answer.status > 299) throw statusError('NOTIFY', `posting to ${display}`, answer, { target: params.target });
    ctx.logger.info({ target: params.target, status: answer.status }, 'notification sent');
    return { output: { target: params.target, kind: target.kind, status: answer.status } };
  },
};
