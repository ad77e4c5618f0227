// The root logger of the broker process (pino JSON); components take child loggers.
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'broker' },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'payload', '*.payload'],
      censor: '[redacted]',
    },
  });
}
