/**
 * kafkajs 2.2.4 (pinned; no newer release) re-arms its request queue's throttle check on every
 * response with `setTimeout(check, throttledUntil - Date.now())` (network/requestQueue/index.js,
 * `scheduleCheckPendingRequests`), a negative delay whenever no broker throttle is in force, i.e.
 * almost always. Node 24 then prints a `TimeoutNegativeWarning` once per process and runs the
 * timer after 1 ms, which is what kafkajs intends. No kafkajs option avoids that path, so this
 * one warning, matched by name, is dropped at process start (src/main.ts and the integration
 * tests' global fixture); every other warning is printed as before.
 */
export function dropKafkajsNegativeTimeoutWarning(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const option = rest[0];
    const name = warning instanceof Error ? warning.name : typeof option === 'string' ? option : (option as { type?: unknown } | undefined)?.type;
    if (name === 'TimeoutNegativeWarning') return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}

