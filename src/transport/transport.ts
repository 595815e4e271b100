import type { WireMessage } from "../protocol/envelope.js";

/**
 * A two-way message channel between one widget and its host. Both sides take a transport by
 * injection, so the same session code runs over postMessage, a MessagePort or in memory.
 *
 * A transport authenticates what it delivers: a postMessage transport passes on only messages
 * from the expected window and origin. Everything else about a message is checked by the session.
 */
export interface Transport {
  /** Sends a message to the peer, and only to the peer. */
  send(message: WireMessage): void;
  /** Registers a listener for authenticated inbound messages; returns a function that removes it. */
  subscribe(listener: (message: unknown) => void): () => void;
  /**
   * Registers a listener for a new document in the widget frame (a load, reload or navigation).
   * Only host-side transports that can see the frame implement it.
   */
  onPeerLoad?(listener: () => void): () => void;
  /**
   * The exact origin of the peer, when the transport pins one (the postMessage host transport
   * accepts messages only from it). The host reads the widget's origin here, so it is given once.
   */
  readonly peerOrigin?: string;
  /**
   * Registers a listener for the peer closing its end for good, after which nothing sent can be
   * answered. Only channels that belong to one pair of peers can tell (the in-memory pair); over
   * postMessage a page cannot see that the other side stopped listening.
   */
  onPeerClose?(listener: () => void): () => void;
  /**
   * The MessagePort fast path, on transports that can move a session to a private port when both
   * ends are matrix-widget-kit (the postMessage transports). Absent on the others.
   */
  readonly fastPath?: FastPath;
  /** Removes every listener the transport added. Sending after close does nothing. */
  close(): void;
}

/**
 * The fast path of a transport: after the handshake, our widget offers a private `MessageChannel`
 * port to our host, and messages travel over it, batched. Any other peer sees plain postMessage.
 * See docs/security.md ("The MessagePort fast path").
 */
export interface FastPath {
  /** Whether this end sends over the port now. */
  readonly active: boolean;
  /**
   * Whether this end takes part (default true). Set it before the handshake: false keeps the
   * session on postMessage; a host then refuses any offer, a widget makes none.
   */
  enabled: boolean;
}

/**
 * A tiny listener list used by the transports. A channel usually has one listener of each kind (the
 * session's endpoint) or none, so one is held as is and a Set is made only for a second: a live
 * session has several of these on each end, and an empty Set costs about 150 bytes.
 */
export class ListenerSet<T extends unknown[]> {
  private listeners: ((...args: T) => void) | Set<(...args: T) => void> | undefined;

  add(listener: (...args: T) => void): () => void {
    const current = this.listeners;
    if (current === undefined) this.listeners = listener;
    else if (typeof current !== "function") current.add(listener);
    else if (current !== listener) this.listeners = new Set([current, listener]);
    return () => this.remove(listener);
  }

  emit(...args: T): void {
    const current = this.listeners;
    if (typeof current === "function") current(...args);
    else if (current !== undefined) for (const listener of [...current]) listener(...args);
  }

  clear(): void {
    this.listeners = undefined;
  }

  get size(): number {
    const current = this.listeners;
    return current === undefined ? 0 : typeof current === "function" ? 1 : current.size;
  }

  private remove(listener: (...args: T) => void): void {
    const current = this.listeners;
    if (current === listener) this.listeners = undefined;
    else if (current !== undefined && typeof current !== "function") current.delete(listener);
  }
}
