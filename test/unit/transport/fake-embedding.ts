// A host page with one widget iframe, simulated for the fast path in Node: windows whose
// postMessage honours the target origin, structured-clones the message and hands transferred
// ports over (`event.ports`), with `event.source` and `event.origin` set as a browser would. The
// ports are Node's own MessageChannel ports.

type Listener = (event: unknown) => void;

/** A window stand-in: listeners, and what was posted to it. */
export class SimWindow {
  private readonly listeners = new Set<Listener>();
  readonly posted: Array<{ message: unknown; targetOrigin: string; ports: number }> = [];
  /** Set by the embedding: delivers a posted message to this window. */
  deliverPost: (message: unknown, targetOrigin: string, transfer: readonly MessagePort[]) => void = () => {};
  constructor(readonly name: string) {}
  addEventListener(_type: string, listener: Listener): void {
    this.listeners.add(listener);
  }
  removeEventListener(_type: string, listener: Listener): void {
    this.listeners.delete(listener);
  }
  postMessage(message: unknown, targetOrigin: string, transfer: readonly MessagePort[] = []): void {
    this.posted.push({ message, targetOrigin, ports: transfer.length });
    this.deliverPost(message, targetOrigin, transfer);
  }
  fire(event: { data: unknown; origin: string; source: unknown; ports?: readonly MessagePort[] }): void {
    const full = { ports: [], ...event };
    for (const listener of [...this.listeners]) listener(full);
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
}

/** An iframe element stand-in: its window, and its load listeners. */
export class SimFrame {
  private readonly loads = new Set<Listener>();
  constructor(public contentWindow: SimWindow | null) {}
  addEventListener(_type: string, listener: Listener): void {
    this.loads.add(listener);
  }
  removeEventListener(_type: string, listener: Listener): void {
    this.loads.delete(listener);
  }
  fireLoad(): void {
    for (const listener of [...this.loads]) listener({});
  }
}

export const HOST_ORIGIN = "https://client.example.org";
export const WIDGET_ORIGIN = "https://widget.example.net";

/**
 * A host window and a frame window that post to each other (delivered in a microtask, cloned,
 * ports passed along), plus helpers to post as a sibling or from another origin.
 */
export function simulatedPage() {
  const hostWindow = new SimWindow("host");
  const frameWindow = new SimWindow("frame");
  const iframe = new SimFrame(frameWindow);
  let frameOrigin = WIDGET_ORIGIN;
  const deliver = (
    target: SimWindow,
    data: unknown,
    origin: string,
    source: unknown,
    ports: readonly MessagePort[] = [],
  ) => {
    const copy = structuredClone(data);
    queueMicrotask(() => target.fire({ data: copy, origin, source, ports }));
  };
  hostWindow.deliverPost = (message, targetOrigin, transfer) => {
    if (targetOrigin === "*" || targetOrigin === HOST_ORIGIN)
      deliver(hostWindow, message, frameOrigin, frameWindow, transfer);
  };
  frameWindow.deliverPost = (message, targetOrigin, transfer) => {
    if (targetOrigin === "*" || targetOrigin === frameOrigin)
      deliver(frameWindow, message, HOST_ORIGIN, hostWindow, transfer);
  };
  return {
    hostWindow,
    frameWindow,
    iframe,
    /** Posts to the host window as `source` on `origin` would. */
    postToHost(data: unknown, origin: string, source: unknown, ports: readonly MessagePort[] = []) {
      deliver(hostWindow, data, origin, source, ports);
    },
    /** Replaces the frame's document (a reload, or a navigation to `origin`) and fires its load. */
    reloadFrame(origin = WIDGET_ORIGIN) {
      frameOrigin = origin;
      iframe.fireLoad();
    },
  };
}

/** Lets microtasks and Node's port deliveries (macrotasks) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
