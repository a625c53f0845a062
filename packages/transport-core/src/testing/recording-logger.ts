import type { Logger } from '../logger.js';

/** A log level of {@link Logger}. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One call to a {@link RecordingLogger}. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly message: string;
  readonly details: readonly unknown[];
}

/**
 * A {@link Logger} that records every call, so a test can check what a loop or transport
 * logged (e.g. the write-after-close warning of SPEC §4.10). Pass it to the loop:
 * `new EventLoop({ logger: new RecordingLogger() })`.
 *
 * @example
 * const logger = new RecordingLogger();
 * const loop = new EventLoop({ transports: [tcp()], logger });
 * // ... write after close five times ...
 * assert.equal(logger.warnings().length, 1);
 */
export class RecordingLogger implements Logger {
  /** Every call, oldest first. */
  readonly records: LogRecord[] = [];
  readonly #forward: Logger | null;

  /** @param forward also pass every call on to this logger (e.g. `console`), default none. */
  constructor(forward: Logger | null = null) {
    this.#forward = forward;
  }

  debug(message: string, ...details: unknown[]): void {
    this.#record('debug', message, details);
  }

  info(message: string, ...details: unknown[]): void {
    this.#record('info', message, details);
  }

  warn(message: string, ...details: unknown[]): void {
    this.#record('warn', message, details);
  }

  error(message: string, ...details: unknown[]): void {
    this.#record('error', message, details);
  }

  /** The records of one level. */
  ofLevel(level: LogLevel): LogRecord[] {
    return this.records.filter((record) => record.level === level);
  }

  /** The `warn` records. */
  warnings(): LogRecord[] {
    return this.ofLevel('warn');
  }

  /** Forgets every record. */
  clear(): void {
    this.records.length = 0;
  }

  #record(level: LogLevel, message: string, details: unknown[]): void {
    this.records.push({ level, message, details });
    this.#forward?.[level](message, ...details);
  }
}
