import { describeType } from './bytes.js';

/** asyncio's default high watermark: 64 KiB. */
export const DEFAULT_HIGH_WATER = 64 * 1024;

function checkLimit(value: unknown, name: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number, not '${describeType(value)}'`);
  }
  return value;
}

/**
 * Resolves `setWriteBufferLimits(high?, low?)` arguments the asyncio way: neither gives
 * 64 KiB / 16 KiB; `high` alone gives `low = high / 4`; `low` alone gives
 * `high = 4 * low`; `high = 0` forces `low = 0`.
 * @throws TypeError for a non-number; RangeError for a negative limit or `low > high`.
 */
export function resolveWriteBufferLimits(
  high?: number | null,
  low?: number | null,
  defaultHigh = DEFAULT_HIGH_WATER,
): [low: number, high: number] {
  let h = checkLimit(high, 'high');
  let l = checkLimit(low, 'low');
  if (h === null) h = l === null ? defaultHigh : 4 * l;
  if (l === null) l = Math.floor(h / 4);
  if (!(h >= l && l >= 0)) {
    throw new RangeError(`high (${h}) must be >= low (${l}) must be >= 0`);
  }
  return [l, h];
}

/**
 * The write flow-control account of one transport (asyncio `_FlowControlMixin`): the
 * watermarks and whether the protocol is paused. It only decides; the transport calls
 * the protocol.
 *
 * - pause when the buffered size goes **above** `high` (a size equal to `high` does not);
 * - resume when it falls **to or below** `low`;
 * - each only as a transition: one `pauseWriting` per episode, and `resumeWriting`
 *   only after a `pauseWriting`.
 */
export class WriteFlowControl {
  #low: number;
  #high: number;
  #paused = false;
  /** This account's default high watermark (TLS uses a larger one than TCP). */
  readonly #defaultHigh: number;

  constructor(high?: number | null, low?: number | null, defaultHigh = DEFAULT_HIGH_WATER) {
    this.#defaultHigh = defaultHigh;
    [this.#low, this.#high] = resolveWriteBufferLimits(high, low, defaultHigh);
  }

  /**
   * Validates and sets the limits (see {@link resolveWriteBufferLimits}); with neither
   * given, back to this account's defaults.
   */
  setLimits(high?: number | null, low?: number | null): void {
    [this.#low, this.#high] = resolveWriteBufferLimits(high, low, this.#defaultHigh);
  }

  /** `[low, high]`, asyncio's order. */
  limits(): readonly [low: number, high: number] {
    return [this.#low, this.#high];
  }

  get high(): number {
    return this.#high;
  }

  get low(): number {
    return this.#low;
  }

  /** True while the protocol is paused. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Returns true (and records the pause) when `size` makes the protocol pause now. */
  shouldPause(size: number): boolean {
    if (this.#paused || size <= this.#high) return false;
    this.#paused = true;
    return true;
  }

  /** Returns true (and records the resume) when `size` makes a paused protocol resume now. */
  shouldResume(size: number): boolean {
    if (!this.#paused || size > this.#low) return false;
    this.#paused = false;
    return true;
  }

  /** Forgets a pause without resuming (the connection is gone: no `resumeWriting`). */
  reset(): void {
    this.#paused = false;
  }
}
