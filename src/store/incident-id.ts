/**
 * Incident ids: `INC-` + 10 characters of time (milliseconds, Crockford base32) + 6 random
 * characters, for example `INC-01KAB3XQ7M4ZP2QH`. Short enough to say on a call, URL-safe, and
 * sortable: ids sort in creation order as plain strings, because Crockford's alphabet is in
 * ASCII order and the time part is fixed-width.
 *
 * Within one generator ids are strictly increasing even when the clock stands still (a fake
 * clock, several incidents in one millisecond) or steps back (NTP): the time part never goes
 * below the last one used and the random part is incremented instead of redrawn. Across
 * replicas ids are unique with overwhelming probability (30 random bits per millisecond) and
 * the store's primary key catches the rest.
 */
import { randomInt } from 'node:crypto';
import type { Clock } from '../core/clock.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 6;
const RANDOM_SPACE = 32 ** RANDOM_CHARS; // 2^30

/** Shape every incident id has. */
export const INCIDENT_ID_PATTERN = /^INC-[0-9A-HJKMNP-TV-Z]{16}$/;

/** Returns a random integer in [0, max). Injected by tests that need fixed ids. */
export type RandomInt = (max: number) => number;

function base32(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** Creates a generator of increasing incident ids from `clock`; each store owns one. */
export function createIncidentIdGenerator(clock: Clock, random: RandomInt = randomInt): () => string {
  let lastTime = -1;
  let lastRandom = 0;
  return () => {
    const now = Math.max(Math.floor(clock.now()), 0);
    if (now > lastTime) {
      lastTime = now;
      lastRandom = random(RANDOM_SPACE);
    } else if (lastRandom + 1 < RANDOM_SPACE) {
      lastRandom += 1;
    } else {
      // 2^30 ids in one millisecond: borrow the next millisecond rather than repeat an id.
      lastTime += 1;
      lastRandom = 0;
    }
    return `INC-${base32(lastTime, TIME_CHARS)}${base32(lastRandom, RANDOM_CHARS)}`;
  };
}
