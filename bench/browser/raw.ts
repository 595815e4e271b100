// The raw postMessage baseline: an echo between the same two windows the libraries use, with the
// same origin and source checks a correct hand-written channel needs, and messages of the same
// size as the library's (an envelope-shaped request, a reply that repeats it plus `response`).
// Raw messages travel as ["raw", envelope] arrays, so neither library spends more than one type
// check on them (our endpoint drops non-plain-objects at once; matrix-widget-api drops objects
// without `action`), and the raw listener likewise ignores library messages after one check.

type Envelope = { requestId: string; [key: string]: unknown };
type RawMessage = ["raw", Envelope];

function isRaw(data: unknown): data is RawMessage {
  return Array.isArray(data) && data[0] === "raw";
}

/**
 * One side of the raw echo. It answers the peer's raw requests with `reply`, and sends its own
 * requests with {@link sequential} and {@link burst}.
 */
export class RawChannel {
  private readonly waiting = new Map<string, () => void>();

  constructor(
    private readonly self: Window,
    private readonly isPeer: (event: MessageEvent) => boolean,
    private readonly post: (message: RawMessage) => void,
    private readonly reply: object,
  ) {
    self.addEventListener("message", (event) => {
      const data: unknown = event.data;
      if (!isRaw(data) || !this.isPeer(event)) return;
      const envelope = data[1];
      if (Object.prototype.hasOwnProperty.call(envelope, "response")) {
        const done = this.waiting.get(envelope.requestId);
        if (done) {
          this.waiting.delete(envelope.requestId);
          done();
        }
      } else {
        this.post(["raw", { ...envelope, response: this.reply }]);
      }
    });
  }

  private roundTrip(envelope: Envelope): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.set(envelope.requestId, resolve);
      this.post(["raw", envelope]);
    });
  }

  /** n round trips, one after another; elapsed ms. */
  async sequential(n: number, make: (i: number) => Envelope): Promise<number> {
    const started = performance.now();
    for (let i = 0; i < n; i++) await this.roundTrip(make(i));
    return performance.now() - started;
  }

  /** n requests sent at once, then every reply awaited; elapsed ms. */
  async burst(n: number, make: (i: number) => Envelope): Promise<number> {
    const started = performance.now();
    const all: Promise<void>[] = [];
    for (let i = 0; i < n; i++) all.push(this.roundTrip(make(i)));
    await Promise.all(all);
    return performance.now() - started;
  }
}

let counter = 0;

/** A raw request shaped like a user directory search envelope. */
export function rawSearchRequest(): Envelope {
  return {
    api: "fromWidget",
    widgetId: "raw-bench",
    requestId: `raw-${(counter++).toString(36)}`,
    action: "org.matrix.msc3973.user_directory_search",
    data: { search_term: "ali", limit: 10 },
  };
}

/** A raw request shaped like an event push envelope. */
export function rawEventRequest(data: object): Envelope {
  return {
    api: "toWidget",
    widgetId: "raw-bench",
    requestId: `raw-${(counter++).toString(36)}`,
    action: "send_event",
    data,
  };
}
