import type { WireMessage } from "../protocol/envelope.js";
import { control, controlOf, isClose, isPort, MAX_EARLY, PortLink, speaksToSession } from "./fast-path.js";
import type { FastPath } from "./transport.js";

/**
 * The host transports of each iframe. Only the first one attached answers offers, and it declines
 * them while another is attached too: one port cannot serve two hosts, and the frame's messages
 * on the window reach them all, as before.
 */
const attached = new WeakMap<object, HostFastPath[]>();

/**
 * The host end of the fast path, run by {@link HostPostMessageTransport} for one iframe. It sees
 * only what the transport authenticated (the iframe's own window, the widget's exact origin), so
 * an offer from anywhere else never reaches it.
 *
 * - It takes one offer per document (per `load` of the frame), made after the host's
 *   `notify_capabilities` in that document, and answers `switch` as its last message on the
 *   window; it then sends on the port.
 * - Port messages that arrive before the widget's `switched` (its last message on the window) are
 *   held, so that the widget's messages are handled in the order it sent them.
 * - A later offer in the same document is declined; the port in use stays.
 * - A load of the frame, or the transport's close, closes the port at once: nothing that arrives
 *   on it afterwards is read.
 * - The widget's `close` on the port is answered with the host's own, and the port is closed.
 * - Widget API speech for this session on the window once the widget has switched (a new
 *   document, or a client of the page that does not use the port) makes the host speak on the
 *   window again: it posts `close` on the port but reads the port until the widget's `close`
 *   (or a load), so that what the widget sent before it heard the host's is still handled.
 *   A message for another widget ID is not the session's and changes nothing.
 * @internal
 */
export class HostFastPath implements FastPath {
  enabled: boolean;
  private link: PortLink | undefined;
  /** A port the host gave up and still reads until the widget's `close` (or a load). */
  private ending: PortLink | undefined;
  private offerId: string | undefined;
  /** The widget's `switched` came: the port is its only channel. */
  private switched = false;
  /** Port messages that came before `switched`. */
  private early: unknown[] = [];
  /** This document's offer was taken already. */
  private offered = false;
  /**
   * The host has sent `notify_capabilities` since the last load. Only then is an offer taken: our
   * widget offers when it hears that notify, while an offer the previous document posted just
   * before it went away comes, on the window's order, before anything the new document sends, so
   * before its capabilities and the notify that follows them. Such a port is declined, not
   * adopted in place of the new document's window.
   */
  private notified = false;
  /** The session's widget ID, from that notify (MSC4412 names none). */
  private widgetId: string | undefined;

  /**
   * @param frame the iframe (its identity keys the transports attached to it)
   * @param toWindow posts to the iframe's window, at the widget's origin
   * @param deliver hands a wire message to the transport's listeners
   */
  constructor(
    private readonly frame: object,
    enabled: boolean,
    private readonly toWindow: (message: unknown) => void,
    private readonly deliver: (message: unknown) => void,
  ) {
    this.enabled = enabled;
    const peers = attached.get(frame) ?? [];
    peers.push(this);
    attached.set(frame, peers);
  }

  get active(): boolean {
    return this.link !== undefined;
  }

  /**
   * An authenticated message from the frame's window. Returns true when it was the fast path's
   * own (then it is not handed to the session).
   */
  fromWindow(data: unknown, ports: readonly MessagePort[] | undefined): boolean {
    const found = controlOf(data);
    if (!found) {
      // The widget said `switched` was its last word on the window: the session's speech there
      // now comes from elsewhere (a new document, a client of the page without the port).
      if (this.switched && speaksToSession(data, this.widgetId)) this.leave();
      return false;
    }
    if (found.step === "offer") this.onOffer(found.id, ports?.[0]);
    else if (found.step === "switched" && this.link && !this.switched && found.id === this.offerId) {
      this.switched = true;
      const link = this.link;
      for (const held of this.early.splice(0)) this.fromPort(held, link);
    }
    return true;
  }

  /** Sends over the port when there is one; false means the window must carry the message. */
  send(message: WireMessage): boolean {
    if (!this.link) {
      if (message.action === "notify_capabilities" && !Object.hasOwn(message, "response")) {
        this.notified = true;
        this.widgetId = message.widgetId;
      }
      return false;
    }
    this.link.send(message);
    return true;
  }

  /** The frame loaded a new document: the port (if any) belonged to the old one. */
  onLoad(): void {
    this.drop();
    this.offered = false;
    this.notified = false;
  }

  /** The transport closed: the widget hears `close` on the port after what was sent before. */
  close(): void {
    this.drop();
    const peers = attached.get(this.frame)?.filter((peer) => peer !== this) ?? [];
    if (peers.length > 0) attached.set(this.frame, peers);
    else attached.delete(this.frame);
  }

  private onOffer(id: string | undefined, port: unknown): void {
    const peers = attached.get(this.frame) ?? [];
    if (id === undefined || peers[0] !== this) return;
    const taken = this.offered || this.link !== undefined || !this.notified;
    if (!this.enabled || taken || peers.length > 1 || !isPort(port)) {
      if (isPort(port)) port.close();
      this.toWindow(control("decline", id));
      return;
    }
    this.offered = true;
    this.offerId = id;
    this.early = [];
    // The last message on the window; from here on, everything goes over the port.
    this.toWindow(control("switch", id));
    this.link = new PortLink(port, this.fromPort, this.deliver);
  }

  private readonly fromPort = (data: unknown, link: PortLink): void => {
    const current = link === this.link;
    if (current && !this.switched) {
      if (this.early.length >= MAX_EARLY) this.drop();
      else this.early.push(data);
      return;
    }
    // Each element on its own, as if it had come alone; stop if the port was closed meanwhile.
    if (Array.isArray(data)) {
      for (const message of data as unknown[]) {
        if (link.closed) return;
        this.deliver(message);
      }
    } else if (isClose(data)) {
      // The widget's last message on the port. On the port in use, the widget gave it up and the
      // host's own `close` answers it; on a port the host gave up, it is the answer awaited.
      if (current) this.answerClose(link);
      else link.close();
    }
  };

  /** Forgets the port in use; returns it. */
  private detach(): PortLink | undefined {
    const link = this.link;
    this.link = undefined;
    this.switched = false;
    this.early = [];
    this.offerId = undefined;
    return link;
  }

  /**
   * The widget closed the port: what was sent in this task and not flushed yet goes by the window
   * (the widget speaks there now), and the host's `close` answers the widget's.
   */
  private answerClose(link: PortLink): void {
    this.detach();
    for (const message of link.takeBatch()) this.toWindow(message);
    link.close();
  }

  /**
   * Speaks on the window again but keeps reading the port: what is pending, then `close`, goes
   * over it, and the widget's `close` in answer ends it (or the next load does).
   */
  private leave(): void {
    const link = this.detach();
    if (!link) return;
    this.ending?.close();
    this.ending = link;
    link.end();
  }

  /** Closes the port in use and one the host was still reading: nothing on them is read again. */
  private drop(): void {
    this.detach()?.close();
    this.ending?.close();
    this.ending = undefined;
  }
}
