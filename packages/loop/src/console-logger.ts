import type { Logger } from '@x/transport-core';

/** The default logger: `console`, prefixed; `debug` lines only while `isDebug()` is true. */
export function consoleLogger(isDebug: () => boolean): Logger {
  return {
    debug: (message, ...details) => {
      if (isDebug()) console.debug(`[loop] ${message}`, ...details);
    },
    info: (message, ...details) => console.info(`[loop] ${message}`, ...details),
    warn: (message, ...details) => console.warn(`[loop] ${message}`, ...details),
    error: (message, ...details) => console.error(`[loop] ${message}`, ...details),
  };
}
