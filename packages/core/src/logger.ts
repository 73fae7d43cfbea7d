import type { Redactor } from './redact.js';

/** A log method with pino's call shapes: `(message)` or `(object, message?)`. */
export interface LogFn {
  (message: string): void;
  (object: object, message?: string): void;
}

/** The logger rotakit writes to: pino, or anything with the same four methods. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop: LogFn = () => undefined;

/** The default logger: writes nothing. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * Wraps `logger` so that every call passes through `redactor` first: secret values disappear from
 * messages, objects and errors, and secret-named keys are withheld.
 */
export function redactingLogger(logger: Logger, redactor: Redactor): Logger {
  const wrap =
    (method: keyof Logger): LogFn =>
    (first: string | object, message?: string) => {
      if (typeof first === 'string') {
        logger[method](redactor.text(first));
        return;
      }
      const object = redactor.value(first) as object;
      if (message === undefined) logger[method](object);
      else logger[method](object, redactor.text(message));
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
