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

/**
 * A logger that takes the message first and an object after it: AWS Lambda Powertools' `Logger`
 * (`logger.info('message', { key })`), winston, console-like loggers.
 */
export interface MessageFirstLogger {
  /** Logs `message` at debug level, with the keys of `extra` beside it. */
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  /** Logs `message` at info level, with the keys of `extra` beside it. */
  info(message: string, ...extra: Record<string, unknown>[]): void;
  /** Logs `message` at warn level, with the keys of `extra` beside it. */
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  /** Logs `message` at error level, with the keys of `extra` beside it. */
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/**
 * What rotakit's `logger` options take: a pino-style logger (object first), or a message-first one.
 * A Powertools `Logger` is recognised as message-first by its `appendKeys` and `addContext` methods;
 * wrap any other message-first logger in {@link messageFirst}.
 */
export type LoggerOption = Logger | MessageFirstLogger;

const MESSAGE_FIRST = Symbol.for('rotakit.messageFirstLogger');

/**
 * A rotakit `Logger` over a message-first logger: `(object, message)` becomes `(message, object)`,
 * so the message lands where that logger expects it and the object's keys beside it.
 */
export function messageFirst(logger: MessageFirstLogger): Logger {
  const adapt =
    (level: keyof MessageFirstLogger): LogFn =>
    (first: string | object, message?: string) => {
      if (typeof first === 'string') logger[level](first);
      else logger[level](message ?? '', first as Record<string, unknown>);
    };
  const adapted = { debug: adapt('debug'), info: adapt('info'), warn: adapt('warn'), error: adapt('error') };
  Object.defineProperty(adapted, MESSAGE_FIRST, { value: true });
  return adapted;
}

/** Whether a logger takes the message first: a Powertools `Logger` (by its own methods). */
function isMessageFirst(logger: LoggerOption): logger is MessageFirstLogger {
  const record = logger as unknown as Record<string | symbol, unknown>;
  return record[MESSAGE_FIRST] !== true && typeof record['appendKeys'] === 'function' && typeof record['addContext'] === 'function';
}

/** The `Logger` rotakit calls for a `logger` option: message-first loggers adapted, others as they are. */
export function toLogger(logger: LoggerOption): Logger {
  return isMessageFirst(logger) ? messageFirst(logger) : (logger as Logger);
}

const noop: LogFn = () => undefined;

/** The default logger: writes nothing. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * Wraps `logger` so that every call passes through `redactor` first: secret values disappear from
 * messages, objects and errors, and secret-named keys are withheld.
 */
export function redactingLogger(option: LoggerOption, redactor: Redactor): Logger {
  const logger = toLogger(option);
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
