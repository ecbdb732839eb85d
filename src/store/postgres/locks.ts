/**
 * Advisory lock keys, as (namespace, key) pairs of the two-integer form, so they cannot collide
 * with single-bigint keys another application on the same database may use.
 */

/** `FBRK` in ASCII: every firebreak lock lives in this namespace. */
export const LOCK_NAMESPACE = 0x4642524b;
/** Held (transaction-scoped) while migrations are checked and applied. */
export const MIGRATION_LOCK = 1;
/** Held (transaction-scoped) by every store transaction: writers are serialised across replicas. */
export const TRANSACTION_LOCK = 2;
