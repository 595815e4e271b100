import type { WireMessage } from "../protocol/envelope.js";
import { nextTask } from "./next-task.js";
import { ListenerSet, type Transport } from "./transport.js";

/** One end of an in-memory transport pair. */
export class MemoryTransport implements Transport {
  private readonly messages = new ListenerSet<[unknown]>();
  private readonly loads = new ListenerSet<[]>();
  private readonly peerCloses = new ListenerSet<[]>();
  /** @internal the other end; replaced when the widget end is reconnected. */
  peer: MemoryTransport | undefined;
  private closed = false;
  private inTransit = 0;
  /**
   * Messages this end has sent, newest last; tests read it. Bounded to the last `sentLog`
   * (1000 unless the pair was created with another bound).
   */
  readonly sent: WireMessage[] = [];

  /**
   * @param clone structured-clone each message, as postMessage does
   * @param announcesClose tell the peer when this end closes. The pair's host end does: a closed
   * host is gone for good, so the widget's calls can fail with session_ended at once. The widget
   * end does not: a widget document going away looks to a host like a reload, and a new document
   * may follow.
   * @param sentLog how many sent messages {@link sent} keeps; 0 keeps none
   */
  constructor(
    private readonly clone: boolean,
    private readonly announcesClose = false,
    private readonly sentLog = DEFAULT_SENT_LOG,
  ) {}

  send(message: WireMessage): void {
    if (this.closed) return;
    if (this.sentLog > 0) {
      this.sent.push(message);
      if (this.sent.length > this.sentLog) this.sent.shift();
    }
    const peer = this.peer;
    if (!peer) return;
    // Copy like the structured clone of postMessage, and deliver each message as a task of its own,
    // as postMessage does: whatever the peer sets off in reply, promise reactions included, runs
    // before its next message arrives. Microtask delivery let a message overtake the code awaiting
    // the reply before it, an order no browser produces.
    const copy: unknown = this.clone ? structuredClone(message) : message;
    this.inTransit++;
    nextTask(() => {
      this.inTransit--;
      peer.receive(copy);
    });
  }

  /**
   * Messages this end has sent that have not reached the other end yet (each arrives as a task of
   * its own). Test helpers wait for it, on both ends, to know that the pair is quiet.
   */
  get messagesInTransit(): number {
    return this.inTransit;
  }

  /** Delivers a raw value as if the peer had sent it, bypassing every type; for hostile-input tests. */
  receive(raw: unknown): void {
    if (!this.closed) this.messages.emit(raw);
  }

  subscribe(listener: (message: unknown) => void): () => void {
    return this.messages.add(listener);
  }

  onPeerLoad(listener: () => void): () => void {
    return this.loads.add(listener);
  }

  /** Fires the peer-load listeners, as an iframe `load` event would. */
  simulatePeerLoad(): void {
    if (!this.closed) this.loads.emit();
  }

  /** Registers a listener for the peer closing its end (only a host end announces it). */
  onPeerClose(listener: () => void): () => void {
    return this.peerCloses.add(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.messages.clear();
    this.loads.clear();
    this.peerCloses.clear();
    const peer = this.peer;
    // After the messages already queued, like the last words on a channel before it shuts.
    if (this.announcesClose && peer) nextTask(() => peer.peerClosed());
  }

  private peerClosed(): void {
    if (!this.closed) this.peerCloses.emit();
  }

  /** Whether close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** How many listeners are attached; tests use it to check that destroy() removed them. */
  get listenerCount(): number {
    return this.messages.size + this.loads.size + this.peerCloses.size;
  }
}

/** A connected pair of in-memory transports, so that a host and a widget can run in one process. */
export interface MemoryTransportPair {
  /** The host's end. Closing it tells the widget end, so the widget's calls fail at once. */
  host: MemoryTransport;
  /** The widget's current end; {@link reloadWidget} replaces it, so read it again after a reload. */
  widget: MemoryTransport;
  /**
   * Simulates a reload of the widget frame: the old widget end is disconnected, a new one is
   * connected, and the host end reports a peer load. Returns the new widget end.
   */
  reloadWidget(): MemoryTransport;
}

/** How many sent messages each end of a memory pair keeps for tests, unless told otherwise. */
const DEFAULT_SENT_LOG = 1000;

/** Options of {@link createMemoryTransportPair}. */
export interface MemoryTransportPairOptions {
  /** Structured-clone each message, as postMessage does (default true). */
  clone?: boolean;
  /**
   * How many sent messages each end keeps in `sent` for tests to read (default 1000). 0 keeps
   * none, so the pair holds no memory per message, as a real channel does (benchmarks, long runs).
   */
  sentLog?: number;
}

/** Creates a connected in-memory pair. Messages are structured-cloned unless `clone` is false. */
export function createMemoryTransportPair(options: MemoryTransportPairOptions = {}): MemoryTransportPair {
  const clone = options.clone ?? true;
  const sentLog = options.sentLog ?? DEFAULT_SENT_LOG;
  const host = new MemoryTransport(clone, true, sentLog);
  const pair: MemoryTransportPair = {
    host,
    widget: new MemoryTransport(clone, false, sentLog),
    reloadWidget() {
      pair.widget.peer = undefined;
      pair.widget.close();
      const fresh = new MemoryTransport(clone, false, sentLog);
      fresh.peer = host;
      host.peer = fresh;
      pair.widget = fresh;
      host.simulatePeerLoad();
      return fresh;
    },
  };
  host.peer = pair.widget;
  pair.widget.peer = host;
  return pair;
}
