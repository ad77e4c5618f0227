// The root pino logger; components take child loggers (`logger.child({ component })`).
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level: string, name = 'processor'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['*.password', '*.token', 'databaseUrl', '*.databaseUrl', 'payload', '*.payload'],
      censor: '[redacted]',
    },
  });
}
