/**
 * Paces fire-and-forget pushes to a widget: at most `maxInFlight` wait for their ack at once, the
 * rest wait here in order. Without it, a client that reports many events at once (a sync batch,
 * a reconnect) would send them all together, exceed the host's bound on requests waiting for a
 * reply, and lose every push past it.
 */
export class PushQueue {
  private inFlight = 0;
  /**
   * Waiting pushes from `head` on. Taken by moving `head` rather than with `shift()`, which copies
   * the rest of a large array each time: with the queue full (10,000 by default) that cost
   * microseconds per push, just when the widget was already behind.
   */
  private waiting: Array<((done: () => void) => void) | undefined> = [];
  private head = 0;
  private closed = false;

  constructor(
    private readonly options: {
      /** Most pushes awaiting their ack at once. */
      maxInFlight: number;
      /** Most pushes waiting to be sent; past it the oldest waiting push is dropped. */
      maxQueued: number;
      /** Told of each dropped push, to log it. */
      onDrop(): void;
    },
  ) {}

  /** Pushes waiting to be sent. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  /**
   * Runs `send` now if fewer than `maxInFlight` pushes await their ack, else once one has been
   * answered. `send` calls `done` once its push was answered or failed (it handles the failure
   * itself); a second call, or a throw after the first, frees nothing more, and a throw before it
   * frees the slot.
   */
  push(send: (done: () => void) => void): void {
    if (this.closed) return;
    if (this.inFlight < this.options.maxInFlight) {
      this.start(send);
      return;
    }
    this.waiting.push(send);
    if (this.queued > this.options.maxQueued) {
      this.take();
      this.options.onDrop();
    }
  }

  /** Drops what is waiting; pushes in flight settle on their own. */
  close(): void {
    this.closed = true;
    this.waiting = [];
    this.head = 0;
  }

  private start(first: (done: () => void) => void): void {
    // A loop, not recursion: pushes that finish at once (dropped as no longer visible) would
    // otherwise start the next from inside their own `done`, one stack frame per queued push.
    let send: ((done: () => void) => void) | undefined = first;
    while (send !== undefined) {
      this.inFlight++;
      let finishedAtOnce = false;
      let starting = true;
      let freed = false;
      const done = () => {
        if (freed) return;
        freed = true;
        this.inFlight--;
        if (starting) finishedAtOnce = true;
        else this.startNext();
      };
      try {
        send(done);
      } catch {
        done();
      }
      starting = false;
      send = finishedAtOnce ? this.nextWaiting() : undefined;
    }
  }

  private startNext(): void {
    const following = this.nextWaiting();
    if (following) this.start(following);
  }

  private nextWaiting(): ((done: () => void) => void) | undefined {
    return this.closed ? undefined : this.take();
  }

  /** Takes the oldest waiting push out of the queue. */
  private take(): ((done: () => void) => void) | undefined {
    if (this.head >= this.waiting.length) return undefined;
    const oldest = this.waiting[this.head];
    this.waiting[this.head++] = undefined;
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
      // Now and then, so the array does not keep growing while it never quite empties.
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    return oldest;
  }
}
