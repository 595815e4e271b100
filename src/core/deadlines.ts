/** The clock deadlines are measured on: monotonic where there is one. Read at each call (tests swap it). */
export function clock(): number {
  return typeof performance === "undefined" ? Date.now() : performance.now();
}

/** Longest delay setTimeout takes; a longer one fires at once. A later deadline is re-armed. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * One timer for many deadlines (requests waiting for a reply, driver calls). A timer per request
 * cost more than the rest of a request's bookkeeping, and a burst armed a thousand of them.
 *
 * The timer is armed for the earliest deadline it was told of and is not cleared when what waited
 * for it settles: the next request would only arm it again. When it fires, `sweep` settles what is
 * due and names the next deadline. While nothing waits (`idle`) it no longer keeps a Node process
 * alive; `stop` clears it (destroy, session end). So a deadline is met within the timer's
 * resolution, never early, and nothing outlives `stop`.
 */
export class DeadlineTimer {
  private handle: ReturnType<typeof setTimeout> | undefined;
  /** The deadline the timer is armed for. */
  private at = 0;
  /**
   * The clearTimeout of the timers that armed it. A test that installs fake timers while this timer
   * is armed gets a new one on the fake clock (the old one is cleared with its own function).
   */
  private clearWith: typeof clearTimeout | undefined;

  /**
   * @param sweep called when the timer fires, with the time (never before the deadline armed for):
   *   settles what is due and returns the next deadline, or `Infinity` for none
   */
  constructor(private readonly sweep: (now: number) => number) {}

  /** Makes sure the timer fires at `deadline` (a {@link clock} time) or before. */
  watch(deadline: number): void {
    const handle = this.handle;
    if (handle !== undefined) {
      if (this.at <= deadline && this.clearWith === globalThis.clearTimeout) {
        keepAlive(handle, true);
        return;
      }
      this.stop();
    }
    this.arm(deadline);
  }

  /** Nothing waits now: the armed timer stays for the next deadline, but holds no Node process open. */
  idle(): void {
    if (this.handle !== undefined) keepAlive(this.handle, false);
  }

  /** Clears the timer. */
  stop(): void {
    if (this.handle === undefined) return;
    // Called on the global object: a browser's clearTimeout called on anything else throws
    // "Illegal invocation" (Node's does not, so only the browser suites saw it).
    this.clearWith?.call(globalThis, this.handle);
    this.handle = undefined;
  }

  private arm(deadline: number): void {
    this.at = deadline;
    this.clearWith = globalThis.clearTimeout;
    const handle: ReturnType<typeof setTimeout> = setTimeout(
      () => {
        if (this.handle !== handle) return;
        this.handle = undefined;
        // Fake timers in tests can fire a timer without moving the clock: it is the deadline then.
        const next = this.sweep(Math.max(clock(), this.at));
        if (next !== Infinity && this.handle === undefined) this.arm(next);
      },
      Math.min(MAX_DELAY, Math.max(0, Math.ceil(deadline - clock()))),
    );
    this.handle = handle;
  }
}

/**
 * The sweep of a {@link DeadlineTimer} over a map or set of entries that carry their deadline:
 * calls `due` for each entry whose deadline is `now` or earlier (`due` takes it out) and returns
 * the earliest deadline still ahead, or `Infinity` when none is.
 */
export function sweepDue<K, E extends { readonly deadline: number }>(
  waiting: { forEach(visit: (entry: E, key: K) => void): void },
  now: number,
  due: (entry: E, key: K) => void,
): number {
  let next = Infinity;
  waiting.forEach((entry, key) => {
    if (entry.deadline <= now) due(entry, key);
    else if (entry.deadline < next) next = entry.deadline;
  });
  return next;
}

/** Node's timers keep the process alive unless unref'd; a browser's timer is a number. */
function keepAlive(handle: ReturnType<typeof setTimeout>, alive: boolean): void {
  const timer = handle as { ref?(): void; unref?(): void };
  if (alive) timer.ref?.();
  else timer.unref?.();
}
