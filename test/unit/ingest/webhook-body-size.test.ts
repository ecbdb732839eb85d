import { expect } from 'chai';
import { DEFAULT_WEBHOOK_BODY_BYTES } from '../../../src/config/schema.ts';
import { createWebhookValidator } from '../../../src/ingest/validate.ts';
import { bigNotification } from './big-notification.ts';

describe('webhook body size limit', () => {
  it('leaves at least 4x headroom over 1,000 alerts with 20 labels and ~2.5 KiB of annotations each', () => {
    const body = JSON.stringify(bigNotification(1000));
    const bytes = Buffer.byteLength(body, 'utf8');
    // Measured 3,146,383 bytes when the default was chosen; the test pins the ratio, not the number.
    expect(bytes).to.be.greaterThan(2_500_000);
    expect(DEFAULT_WEBHOOK_BODY_BYTES).to.be.at.least(bytes * 4);
  });

  it('validates such a notification as a correct v4 payload', () => {
    const validate = createWebhookValidator();
    const { payload, alerts, rejected } = validate(JSON.parse(JSON.stringify(bigNotification(1000))));
    expect(alerts.firing + alerts.resolved).to.equal(1000);
    expect(rejected).to.deep.equal([]);
    expect(new Set(payload.alerts.map((a) => (a as { fingerprint: string }).fingerprint)).size).to.equal(1000);
  });
});
