// Shared by the benchmark pages (host and widget, both implementations) and the Node-side driver.
// Everything here is plain data and tiny helpers, so it bundles into every page.

/** The widget ID both implementations use. */
export const WIDGET_ID = "bench-widget";
/** The room the user "views"; event-feed events are in it. */
export const ROOM_ID = "!bench:example.org";
/** What the widget searches for. */
export const SEARCH_TERM = "ali";
export const SEARCH_LIMIT = 10;

/** The fixed, small directory result every driver returns at once (driver shape). */
export const DIRECTORY_RESULT = {
  limited: false,
  results: [
    { userId: "@alice:example.org", displayName: "Alice", avatarUrl: "mxc://example.org/alice" },
    { userId: "@alicia:example.org", displayName: "Alicia" },
  ],
};

/** The same result as it travels on the wire, for the raw echo's reply. */
export const WIRE_DIRECTORY_RESULT = {
  limited: false,
  results: [
    { user_id: "@alice:example.org", display_name: "Alice", avatar_url: "mxc://example.org/alice" },
    { user_id: "@alicia:example.org", display_name: "Alicia" },
  ],
};

/** An event-shaped object (a plain m.text message) for the event feed. */
export function benchEvent(i: number): {
  type: string;
  event_id: string;
  room_id: string;
  sender: string;
  origin_server_ts: number;
  content: { msgtype: string; body: string };
  unsigned: { age: number };
} {
  return {
    type: "m.room.message",
    event_id: `$bench-event-${i}`,
    room_id: ROOM_ID,
    sender: "@alice:example.org",
    origin_server_ts: 1_700_000_000_000 + i,
    content: { msgtype: "m.text", body: `Message number ${i} of the benchmark feed` },
    unsigned: { age: 1234 },
  };
}

/** What the host page exposes as `window.__bench`. */
export interface HostBench {
  /** "kit" or "mwa". */
  readonly impl: string;
  /** True once the session is negotiated on the host side. */
  ready: boolean;
  /** Set when setting up failed. */
  error?: string;
  /** n host→widget raw echoes, one after another; resolves with elapsed ms. */
  rawFeed(n: number): Promise<number>;
  /** n host→widget event pushes through the library, each acknowledged before the next; elapsed ms. */
  libFeed(n: number): Promise<number>;
  /** Whether the library's fast path is in use; `null` when it has none (or does not say). */
  fastPathActive(): boolean | null;
}

/** What the widget page exposes as `window.__bench`. */
export interface WidgetBench {
  readonly impl: string;
  ready: boolean;
  error?: string;
  /** Events the library delivered to the widget's handler (checked by the driver). */
  eventsDelivered: number;
  rawSequential(n: number): Promise<number>;
  rawBurst(n: number): Promise<number>;
  libSequential(n: number): Promise<number>;
  libBurst(n: number): Promise<number>;
  /** Whether the library's fast path is in use; `null` when it has none (or does not say). */
  fastPathActive(): boolean | null;
}

/**
 * The `fastPath` option of our host and widget as the page's `fastPath` URL parameter asks:
 * `{ fastPath: true }` for "1", `{ fastPath: false }` for "0", nothing (the default) when absent.
 */
export function fastPathOption(params: URLSearchParams): { fastPath?: boolean } {
  const value = params.get("fastPath");
  return value === null ? {} : { fastPath: value === "1" };
}

/**
 * Reads the read-only `fastPathActive` of our host or client. Read loosely: a build without the
 * fast path has no such property, and then the figure is "not available" rather than wrong.
 */
export function readFastPathActive(side: object): boolean | null {
  const value: unknown = (side as { fastPathActive?: unknown }).fastPathActive;
  return typeof value === "boolean" ? value : null;
}

/**
 * Silences console.log. The harness forwards every console call over the DevTools protocol, and
 * matrix-widget-api logs every message it sends with console.log, so left on, the benchmark would
 * measure CDP console plumbing rather than the library. Applied to every page of both
 * implementations (ours never logs per message). Warnings and errors stay visible.
 */
export function silenceConsoleLog(): void {
  console.log = () => {};
  console.debug = () => {};
  console.info = () => {};
}

/** Reports a setup failure on `window.__bench` and the console. */
export function reportSetupError(bench: { error?: string }, error: unknown): void {
  bench.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(`[bench] setup failed: ${bench.error}`);
}
