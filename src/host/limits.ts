/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimit {
  /** How many requests may come at once: the bucket's size, and what it holds at the start. */
  burst: number;
  /** Tokens added back each second, up to `burst`: 0.5 is one every 2 s; 0 refills nothing. */
  perSecond: number;
}

/** The host's bounds. Every one has a default; see docs/security.md. */
export interface HostLimits {
  /** Largest inbound message, as JSON text. Default 1 MiB. */
  maxMessageBytes: number;
  /** Inbound requests handled at once per widget. Default 128. */
  maxInFlight: number;
  /** Outbound requests waiting for the widget at once. Default 512. */
  maxPending: number;
  /** Timeout of requests to the widget, in ms. Default 10 000. */
  requestTimeoutMs: number;
  /** How long a driver operation may take before the request fails, in ms. Default 10 000. */
  driverTimeoutMs: number;
  /** Largest `limit` for a directory search; larger ones are clamped. Default 50. */
  maxDirectorySearchLimit: number;
  /** Largest `limit` for reading account data. Default 25, as MSC3751 recommends. */
  maxAccountDataLimit: number;
  /**
   * Largest `limit` for reading room events (MSC2876 `read_events` without a `state_key`). Default
   * 25, as MSC2876 recommends; Element Web sets none, so a host that wants its widgets to read as
   * far back as there it raises this. Reading state is bounded by `READ_STATE_MAX_LIMIT` (1000).
   */
  maxReadEventsLimit: number;
  /** Largest file a widget may upload (MSC4039), in bytes. Default 100 MiB. */
  maxUploadBytes: number;
  /** Navigation requests. Default burst 5, then one every 2 s. */
  navigate: RateLimit;
  /** Directory searches. Default burst 20, then 5 a second (search as you type). */
  directorySearch: RateLimit;
  /** Share prompts. Default burst 3, then one every 10 s; and only one open at a time. */
  sharePrompt: RateLimit;
  /** Capability renegotiations. Default burst 3, then one every 10 s. */
  renegotiation: RateLimit;
}

/** The documented defaults. */
export const DEFAULT_HOST_LIMITS: Readonly<HostLimits> = Object.freeze({
  maxMessageBytes: 1024 * 1024,
  maxInFlight: 128,
  maxPending: 512,
  requestTimeoutMs: 10_000,
  driverTimeoutMs: 10_000,
  maxDirectorySearchLimit: 50,
  maxAccountDataLimit: 25,
  maxReadEventsLimit: 25,
  maxUploadBytes: 100 * 1024 * 1024,
  navigate: { burst: 5, perSecond: 0.5 },
  directorySearch: { burst: 20, perSecond: 5 },
  sharePrompt: { burst: 3, perSecond: 0.1 },
  renegotiation: { burst: 3, perSecond: 0.1 },
});

/** A token bucket over a clock; it needs no timers, so it leaves nothing behind. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = limit.burst;
    this.last = now();
  }

  /** Takes one token if there is one. */
  tryTake(): boolean {
    const now = this.now();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.limit.burst, this.tokens + elapsed * this.limit.perSecond);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token. */
  get retryAfterMs(): number {
    if (this.tokens >= 1 || this.limit.perSecond <= 0) return 0;
    return Math.ceil(((1 - this.tokens) / this.limit.perSecond) * 1000);
  }
}
