import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

/** JSON logs to stdout. Secrets never reach them: see the redact list and the request serializers. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    redact: {
      paths: ['password', '*.password', 'sessionSecret', '*.sessionSecret', 'token', '*.token'],
      censor: '[redacted]',
    },
  });
}
