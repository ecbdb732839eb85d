/**
 * Validation of a webhook body against {@link WEBHOOK_PAYLOAD_SCHEMA}, with the two distinct
 * failures Alertmanager operators need to tell apart: a version firebreak does not speak
 * (WEBHOOK_UNSUPPORTED_VERSION) and a malformed body (WEBHOOK_INVALID_PAYLOAD, naming the path).
 * Both are 400: Alertmanager does not retry them, since retrying cannot help.
 */
import { compileSchema, formatProblem } from '../config/json-schema.ts';
import { FirebreakError } from '../errors.ts';
import { WEBHOOK_PAYLOAD_SCHEMA } from './payload-schema.ts';

/** A parsed body that passed the schema: what {@link validateWebhookPayload} guarantees. */
export interface WebhookPayload {
  version: '4';
  groupKey: string;
  status: 'firing' | 'resolved';
  receiver: string;
  truncatedAlerts?: number;
  alerts: Array<{ status: 'firing' | 'resolved'; fingerprint: string } & Record<string, unknown>>;
  [key: string]: unknown;
}

export type WebhookValidator = (body: unknown) => WebhookPayload;

/** Compiles the schema once (per app) and returns the validator. */
export function createWebhookValidator(): WebhookValidator {
  const check = compileSchema(WEBHOOK_PAYLOAD_SCHEMA);
  return (body) => {
    if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'version' in body) {
      const version = (body as { version: unknown }).version;
      if (version !== '4') {
        throw new FirebreakError(
          'WEBHOOK_UNSUPPORTED_VERSION',
          `webhook payload version ${JSON.stringify(version)} is not supported; firebreak accepts version "4"`,
          { statusCode: 400, details: { path: '/version', version } },
        );
      }
    }
    const problems = check(body);
    const first = problems[0];
    if (first !== undefined) {
      throw new FirebreakError('WEBHOOK_INVALID_PAYLOAD', `invalid webhook payload: ${formatProblem(first)}`, {
        statusCode: 400,
        details: { path: first.path, problems },
      });
    }
    return body as WebhookPayload;
  };
}
