/**
 * Paces fire-and-forget pushes to a widget: at most `maxInFlight` wait for their ack at once, the
 * rest wait here in order. Without it, a client that reports many events at once (a sync batch,
 * a reconnect) would send them all together, exceed the host's bound on requests waiting for a
 * reply, and lose every push past it.
 */
export class PushQueue {
  private inFlight = 0;
  private readonly waiting: Array<() => Promise<unknown>> = [];
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
    return this.waiting.length;
  }

  /**
   * Runs `send` now if fewer than `maxInFlight` pushes await their ack, else once one has been
   * answered. `send` handles its own failures; whatever it throws or rejects only frees its slot.
   */
  push(send: () => Promise<unknown>): void {
    if (this.closed) return;
    if (this.inFlight < this.options.maxInFlight) {
      this.start(send);
      return;
    }
    this.waiting.push(send);
    if (this.waiting.length > this.options.maxQueued) {
      this.waiting.shift();
      this.options.onDrop();
    }
  }

  /** Drops what is waiting; pushes in flight settle on their own. */
  close(): void {
    this.closed = true;
    this.waiting.length = 0;
  }

  private start(send: () => Promise<unknown>): void {
    this.inFlight++;
    let sent: Promise<unknown>;
    try {
      sent = send();
    } catch (error) {
      sent = Promise.reject(error);
    }
    const next = () => {
      this.inFlight--;
      const following = this.closed ? undefined : this.waiting.shift();
      if (following) this.start(following);
    };
    Promise.resolve(sent).then(next, next);
  }
}
