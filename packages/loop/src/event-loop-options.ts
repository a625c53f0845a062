import type { Logger, TransportProvider } from '@x/transport-core';
import { describeType } from '@x/transport-core';

/** Options of `new EventLoop(options)` and `run(main, options)`. */
export interface EventLoopOptions {
  /** The transport packages this loop can use, e.g. `[tcp(), udp()]`. */
  transports?: readonly TransportProvider[];
  /** Debug mode (asyncio `set_debug`): handles remember where they were scheduled, slow callbacks are logged. */
  debug?: boolean;
  /** Where diagnostics go (default: `console`). */
  logger?: Logger;
  /** In debug mode, callbacks slower than this (ms) are logged. Default 100. */
  slowCallbackDuration?: number;
}

/**
 * Validates `new EventLoop(options)`, so that misuse fails at the call rather than at the
 * first warning.
 * @throws TypeError for a value of the wrong type; RangeError for a negative duration.
 */
export function validateEventLoopOptions(options: EventLoopOptions): void {
  const { debug, logger, slowCallbackDuration, transports } = options;
  if (debug !== undefined && typeof debug !== 'boolean') {
    throw new TypeError(`options.debug must be a boolean, not '${describeType(debug)}'`);
  }
  if (slowCallbackDuration !== undefined) {
    if (typeof slowCallbackDuration !== 'number' || Number.isNaN(slowCallbackDuration)) {
      throw new TypeError(
        `options.slowCallbackDuration must be a number of ms, not '${describeType(slowCallbackDuration)}'`,
      );
    }
    if (slowCallbackDuration < 0) {
      throw new RangeError(
        `options.slowCallbackDuration must be >= 0, got ${slowCallbackDuration}`,
      );
    }
  }
  if (logger !== undefined) {
    const methods = ['debug', 'info', 'warn', 'error'] as const;
    if (
      logger === null ||
      typeof logger !== 'object' ||
      methods.some((m) => typeof logger[m] !== 'function')
    ) {
      throw new TypeError('options.logger must have debug, info, warn and error methods');
    }
  }
  if (transports !== undefined && !Array.isArray(transports)) {
    throw new TypeError(`options.transports must be an array, not '${describeType(transports)}'`);
  }
}
