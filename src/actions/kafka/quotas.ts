/**
 * Client quotas over DescribeClientQuotas / AlterClientQuotas: conversion between firebreak's
 * {@link QuotaEntity} (`user`, `client-id`, `null` = the default entity) and the wire's entity
 * components, and error surfacing (a request-level error or any per-entry error throws).
 * Reads go to any broker, or with all-brokers consistency to every live broker
 * (consistent-read.ts), agreeing on the whole answer.
 */
import { FirebreakError } from '../../errors.ts';
import { errorFromCode, throwIfError } from './errors.ts';
import { alterClientQuotasApi } from './protocol/alter-client-quotas.ts';
import type { WireEntityComponent } from './protocol/api.ts';
import { readConsistent, type ConsistentScope } from './consistent-read.ts';
import {
  describeClientQuotasApi,
  MATCH_DEFAULT,
  MATCH_EXACT,
  type DescribeClientQuotasRequest,
  type DescribeClientQuotasResponse,
} from './protocol/describe-client-quotas.ts';
import type { Router } from './routing.ts';
import type { QuotaAlteration, QuotaEntity, QuotaEntry, QuotaKey } from './types.ts';

const ENTITY_TYPES = ['user', 'client-id'] as const;

/** Wire components of an entity, in a stable order (user first, as Kafka's tools print them). */
export function entityToWire(entity: QuotaEntity): WireEntityComponent[] {
  const components: WireEntityComponent[] = [];
  for (const type of ENTITY_TYPES) {
    const name = entity[type];
    if (name !== undefined) components.push({ entityType: type, entityName: name });
  }
  return components;
}

/** The entity of wire components, or null when it has a type firebreak does not model (`ip`). */
export function entityFromWire(components: readonly WireEntityComponent[]): QuotaEntity | null {
  if (components.some((c) => c.entityType !== 'user' && c.entityType !== 'client-id')) return null;
  // Keys in canonical order (user, then client-id) whatever order the broker sent.
  const entity: QuotaEntity = {};
  for (const type of ENTITY_TYPES) {
    const c = components.find((x) => x.entityType === type);
    if (c !== undefined) entity[type] = c.entityName;
  }
  return entity;
}

/** A human label such as `user=alice,client-id=<default>` for messages. */
export function entityLabel(entity: QuotaEntity): string {
  return entityToWire(entity).map((c) => `${c.entityType}=${c.entityName ?? '<default>'}`).join(',') || '<empty>';
}

/** Filter components: a name matches exactly, `null` matches the default entity. */
export function describeFilter(filter: { entity?: QuotaEntity; strict?: boolean } = {}): DescribeClientQuotasRequest {
  const components = entityToWire(filter.entity ?? {}).map((c) => ({
    entityType: c.entityType,
    matchType: c.entityName === null ? MATCH_DEFAULT : MATCH_EXACT,
    match: c.entityName,
  }));
  return { components, strict: filter.strict ?? false };
}

function entriesOf(response: DescribeClientQuotasResponse): QuotaEntry[] {
  throwIfError(response.errorCode, response.errorMessage, { api: 'DescribeClientQuotas' });
  const entries: QuotaEntry[] = [];
  for (const e of response.entries ?? []) {
    const entity = entityFromWire(e.entity);
    if (entity === null) continue; // e.g. ip quotas: outside firebreak's model
    const values: Partial<Record<QuotaKey, number>> = {};
    for (const v of e.values) values[v.key as QuotaKey] = v.value;
    entries.push({ entity, values });
  }
  return entries;
}

/**
 * What brokers must agree on for quotas: the whole answer (quotas live only in the metadata
 * log), independent of the order in which a broker lists entries and keys.
 */
export function quotaAgreementKey(entries: readonly QuotaEntry[]): string {
  const items = entries.map((e) =>
    JSON.stringify({
      entity: Object.fromEntries(entityToWire(e.entity).map((c) => [c.entityType, c.entityName])),
      values: Object.fromEntries(Object.entries(e.values).sort(([a], [b]) => (a < b ? -1 : 1))),
    }),
  );
  return `[${items.sort().join(',')}]`;
}

/** Any broker's answer, or with `consistent` the answer every live broker agrees on. */
export async function describeClientQuotas(
  router: Router,
  filter?: { entity?: QuotaEntity; strict?: boolean },
  consistent?: ConsistentScope,
): Promise<QuotaEntry[]> {
  const request = describeFilter(filter);
  if (consistent === undefined) return entriesOf((await router.any(describeClientQuotasApi, request)).response);
  return readConsistent<QuotaEntry[]>(router, consistent, {
    what: `DescribeClientQuotas ${entityLabel(filter?.entity ?? {})}`,
    read: async (nodeId) => entriesOf((await router.to(nodeId, describeClientQuotasApi, request)).response),
    agreementKey: quotaAgreementKey,
  });
}

export async function alterClientQuotas(router: Router, alterations: QuotaAlteration[], options: { validateOnly?: boolean } = {}): Promise<void> {
  if (alterations.length === 0) return;
  const request = {
    entries: alterations.map((a) => ({
      entity: entityToWire(a.entity),
      ops: Object.entries(a.set).map(([key, value]) =>
        value === null || value === undefined ? { key, value: 0, remove: true } : { key, value, remove: false },
      ),
    })),
    validateOnly: options.validateOnly ?? false,
  };
  const { response } = await router.any(alterClientQuotasApi, request);
  const failures = response.entries
    .filter((e) => e.errorCode !== 0)
    .map((e) => {
      const entity = entityFromWire(e.entity) ?? {};
      return { entity, error: errorFromCode(e.errorCode, e.errorMessage, { api: 'AlterClientQuotas', entity: entityLabel(entity) }) };
    });
  const first = failures[0];
  if (first === undefined) return;
  // Kafka applies entries independently: say which failed (the others were applied).
  throw new FirebreakError(first.error.code, `${first.error.message} (${failures.length} of ${response.entries.length} entries failed)`, {
    retriable: failures.every((f) => f.error.retriable),
    statusCode: first.error.statusCode,
    details: {
      api: 'AlterClientQuotas',
      failures: failures.map((f) => ({ entity: f.entity, code: f.error.code, message: f.error.message })),
    },
  });
}
