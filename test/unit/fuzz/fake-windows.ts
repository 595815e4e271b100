// Stand-ins for the browser objects the postMessage transports use (windows, an iframe element),
// so that their source and origin checks can be fuzzed in Node; and lookalikes of an origin.

type Listener = (event: unknown) => void;

/** An EventTarget stand-in whose listeners the test can fire and count. */
export class FakeTarget {
  private readonly listeners = new Map<string, Set<Listener>>();
  addEventListener(type: string, listener: Listener): void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
  }
  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }
  fire(type: string, event: unknown = {}): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) listener(event);
  }
  get listenerCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }
}

/** A window stand-in that records what is posted to it. */
export class FakeWindow extends FakeTarget {
  readonly posted: Array<{ message: unknown; targetOrigin: string }> = [];
  constructor(readonly name: string) {
    super();
  }
  postMessage(message: unknown, targetOrigin: string): void {
    this.posted.push({ message, targetOrigin });
  }
}

/** A host page with a widget iframe, as fakes. */
export function fakeHostPage() {
  const hostWindow = new FakeWindow("host");
  const frameWindow = new FakeWindow("widget frame");
  const iframe = Object.assign(new FakeTarget(), { contentWindow: frameWindow as FakeWindow | null });
  return { hostWindow, frameWindow, iframe };
}

/** Origins that look like `origin` but are not it. */
export function lookalikes(origin: string): string[] {
  const url = new URL(origin);
  const otherScheme = url.protocol === "https:" ? "http:" : "https:";
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  const otherPort = port === 65535 ? port - 1 : port + 1;
  const candidates = [
    origin.slice(0, -1),
    origin.slice(0, Math.max(1, origin.length - 3)),
    `${origin}0`,
    `${origin}/`,
    `${origin}.evil.example`,
    `${origin}@evil.example`,
    `${otherScheme}//${url.host}`,
    `${url.protocol}//${url.hostname}:${otherPort}`,
    `${url.protocol}//${url.hostname}.`,
    `${url.protocol}//evil-${url.host}`,
    `${url.protocol}//${url.host}.evil.example`,
    `${url.protocol}//${url.hostname.toUpperCase()}${url.port ? `:${url.port}` : ""}`,
    "null",
    "",
    "*",
  ];
  return [...new Set(candidates)].filter((candidate) => candidate !== origin);
}

/**
 * A host page embedding one widget iframe, simulated closely enough for the postMessage
 * transports: `postMessage` honours the target origin the way a browser does (a message for
 * another origin than the receiving document's is dropped), delivery is asynchronous and
 * structured-cloned, and `event.source` / `event.origin` are what the browser would set. The
 * frame's document can be navigated to another origin, which fires the iframe's `load` event.
 */
export function simulatedEmbedding(options: { hostOrigin: string; frameOrigin: string }) {
  const hostWindow = new FakeWindow("host");
  const frameWindow = new FakeWindow("widget frame");
  const iframe = Object.assign(new FakeTarget(), { contentWindow: frameWindow as FakeWindow | null });
  let frameOrigin = options.frameOrigin;
  const originOf = (target: FakeWindow): string => (target === hostWindow ? options.hostOrigin : frameOrigin);
  const deliver = (target: FakeWindow, data: unknown, origin: string, source: FakeWindow | null) => {
    const copy = structuredClone(data);
    queueMicrotask(() => target.fire("message", { data: copy, origin, source }));
  };
  // Each window's postMessage delivers to that window, from the other one, when the target origin fits.
  hostWindow.postMessage = (message: unknown, targetOrigin: string) => {
    hostWindow.posted.push({ message, targetOrigin });
    if (targetOrigin === "*" || targetOrigin === options.hostOrigin)
      deliver(hostWindow, message, frameOrigin, frameWindow);
  };
  frameWindow.postMessage = (message: unknown, targetOrigin: string) => {
    frameWindow.posted.push({ message, targetOrigin });
    if (targetOrigin === "*" || targetOrigin === frameOrigin)
      deliver(frameWindow, message, options.hostOrigin, hostWindow);
  };
  return {
    hostWindow,
    frameWindow,
    iframe,
    get frameOrigin() {
      return frameOrigin;
    },
    /** Posts to the host window as `source` on `origin` would (a sibling, a popup, the frame). */
    postToHost(data: unknown, origin: string, source: FakeWindow | null) {
      deliver(hostWindow, data, origin, source);
    },
    /** Replaces the frame's document with one on `origin` and fires the iframe's load event. */
    navigateFrame(origin: string) {
      frameOrigin = origin;
      iframe.fire("load");
    },
    originOf,
  };
}
