/**
 * Where a loop writes its diagnostics (asyncio's `logging.getLogger('asyncio')`).
 * Pass your own to `new EventLoop({ logger })`; the default writes to `console`.
 */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}
