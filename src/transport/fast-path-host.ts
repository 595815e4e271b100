import type { WireMessage } from "../protocol/envelope.js";
import {
  control,
  controlOf,
  isPort,
  MAX_EARLY,
  PortLink,
  speaksWidgetApi,
  type FastPathControl,
} from "./fast-path.js";
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
 * - A load of the frame, the transport's close, a `close` on the port, or a wire message on the
 *   window once the widget has switched (a new document, or a client of the page that does not use
 *   the port) closes the port: nothing that arrives on it afterwards is read.
 * @internal
 */
export class HostFastPath implements FastPath {
  enabled: boolean;
  private link: PortLink | undefined;
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
      // The widget said `switched` was its last word on the window: Widget API speech there now
      // comes from elsewhere (a new document). Other messages are not the session's.
      if (this.switched && speaksWidgetApi(data)) this.drop(false);
      return false;
    }
    if (found.step === "offer") this.onOffer(found.id, ports?.[0]);
    else if (found.step === "switched" && this.link && !this.switched && found.id === this.offerId) {
      this.switched = true;
      for (const held of this.early.splice(0)) this.fromPort(held);
    }
    return true;
  }

  /** Sends over the port when there is one; false means the window must carry the message. */
  send(message: WireMessage): boolean {
    if (!this.link) {
      if (message.action === "notify_capabilities" && !Object.hasOwn(message, "response"))
        this.notified = true;
      return false;
    }
    this.link.send(message);
    return true;
  }

  /** The frame loaded a new document: the port (if any) belonged to the old one. */
  onLoad(): void {
    this.drop(false);
    this.offered = false;
    this.notified = false;
  }

  /** The transport closed: the widget hears `close` on the port after what was sent before. */
  close(): void {
    this.drop(false);
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
    this.link = new PortLink(
      port,
      (data) => this.fromPort(data),
      (reply) => this.deliver(reply),
    );
  }

  private fromPort(data: unknown): void {
    const link = this.link;
    if (!link) return;
    if (!this.switched) {
      if (this.early.length >= MAX_EARLY) this.drop(false);
      else this.early.push(data);
      return;
    }
    if (Array.isArray(data)) {
      // Each element on its own, as if it had come alone; stop if the port was given up meanwhile.
      for (const message of data as unknown[]) {
        if (this.link !== link) return;
        this.deliver(message);
      }
    } else if (controlOf(data)?.step === "close") {
      this.drop(true);
    }
  }

  /**
   * Gives the port up. What was sent in this task and not flushed yet goes over the port (the
   * widget reads it before the `close` that follows), unless the widget closed the port itself
   * (`peerClosed`): then it goes by the window.
   */
  private drop(peerClosed: boolean): void {
    const link = this.link;
    if (!link) return;
    this.link = undefined;
    this.switched = false;
    this.early = [];
    this.offerId = undefined;
    let last: FastPathControl | undefined = control("close");
    if (peerClosed) {
      for (const message of link.takeBatch()) this.toWindow(message);
      last = undefined;
    }
    link.close(last);
  }
}
