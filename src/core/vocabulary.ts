/**
 * Vocabularies (statuses, roles, modes...) are declared once each as an `as const` list, their
 * type derived from it (`(typeof LIST)[number]`). This is the one check of a value against one.
 */

/** `value` when it is one of `list` (a type guard for `as const` lists). */
export function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}
