interface Waiter<S> {
  readonly test: (subject: S) => boolean;
  readonly what: string;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Promises that resolve once a condition on `subject` holds, re-checked by `settle()`
 * after every change; they reject once `isOver(subject)` and the condition still does
 * not hold (the connection was lost, so it never will). The recording protocols use it
 * for their `wait*` methods.
 */
export class ConditionWaiters<S> {
  readonly #subject: S;
  readonly #isOver: (subject: S) => boolean;
  readonly #whyOver: (what: string) => Error;
  #waiters: Waiter<S>[] = [];

  /**
   * @param isOver true once nothing more can change (e.g. `connectionLost` was called).
   * @param whyOver the rejection for a wait on `what` that can no longer be met.
   */
  constructor(subject: S, isOver: (subject: S) => boolean, whyOver: (what: string) => Error) {
    this.#subject = subject;
    this.#isOver = isOver;
    this.#whyOver = whyOver;
  }

  /** Resolves once `test(subject)` holds (checked now and at every `settle()`). */
  until(test: (subject: S) => boolean, what: string): Promise<void> {
    if (test(this.#subject)) return Promise.resolve();
    if (this.#isOver(this.#subject)) return Promise.reject(this.#whyOver(what));
    return new Promise((resolve, reject) => {
      this.#waiters.push({ test, what, resolve, reject });
    });
  }

  /** Re-checks every pending wait: call after each change of the subject. */
  settle(): void {
    if (this.#waiters.length === 0) return;
    const over = this.#isOver(this.#subject);
    const pending: Waiter<S>[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.test(this.#subject)) waiter.resolve();
      else if (over) waiter.reject(this.#whyOver(waiter.what));
      else pending.push(waiter);
    }
    this.#waiters = pending;
  }
}
