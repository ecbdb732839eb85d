/**
 * Routes kafkajs's log entries to the injected pino logger, always at debug: kafkajs logs
 * every connection retry as an error, which is noise at firebreak's level (the caller receives
 * the FirebreakError), but useful when debugging a cluster. Nothing reaches stdout directly.
 */
import type { LogEntry, logCreator } from 'kafkajs';
import type { Logger } from '../../core/logger.ts';

export function kafkajsLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () => (entry: LogEntry) => {
    const { message, timestamp: _timestamp, ...extra } = entry.log;
    child.debug({ namespace: entry.namespace, kafkajsLevel: entry.label, ...extra }, message);
  };
}
