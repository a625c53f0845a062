export { EventLoop } from './event-loop.js';
export type { EventLoopOptions } from './event-loop-options.js';
export { LoopFuture } from './future.js';
export { LoopHandle, LoopTimerHandle } from './handle.js';
export { run } from './run.js';
export { getRunningLoop } from './running-loop.js';
