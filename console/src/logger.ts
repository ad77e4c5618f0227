import { pino, type Logger } from 'pino';

/** The root logger of the console process; components take `logger.child({ component })`. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'console' },
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'req.headers.cookie',
        'req.headers.authorization',
        '*.oneTimePassword',
      ],
      censor: '[redacted]',
    },
  });
}
