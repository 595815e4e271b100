import type { WireMessage } from "../protocol/envelope.js";
import {
  control,
  controlOf,
  FAST_PATH_VERSION,
  isClose,
  MAX_EARLY,
  PortLink,
  speaksToSession,
} from "./fast-path.js";

/** A transport of the page that shares the channel: it hears every message from the host. */
export interface ChannelMember {
  deliver(message: unknown): void;
  /** Whether it lets the page offer a port. */
  readonly allowsFastPath: boolean;
}

/**
 * Most ports one document offers. Our host takes one per document; another is offered only after
 * the first was given up or declined (a new `WidgetHost` on the same frame, a late load event).
 */
const MAX_OFFERS = 3;

/** The channels of each widget window, one per parent window and origin. */
const channels = new WeakMap<object, DocumentChannel[]>();

/**
 * The page's channel to its host, shared by every widget transport of the page (as the window
 * is): all of them hear every message, and after the switch the port is the page's, not one
 * client's. A client created later (React StrictMode, a remount) uses the port at once.
 * @internal
 */
export function documentChannel(self: Window, parent: Window, origin: string): DocumentChannel {
  const list = channels.get(self) ?? [];
  let channel = list.find((each) => each.parent === parent && each.origin === origin);
  if (!channel) {
    channel = new DocumentChannel(self, parent, origin);
    list.push(channel);
    channels.set(self, list);
  }
  return channel;
}

/**
 * The widget end of the fast path. It listens on the window for messages from the parent window
 * at the pinned origin; after the handshake with a host that advertised {@link FAST_PATH_VERSION}
 * (its `notify_capabilities`), it offers a port, and moves to it when the host answers `switch`.
 *
 * When the host gives the port up (its `close` on the port, or the session's speech on the window
 * after `switch`), the page speaks on the window again and forgets the advertisement: the next
 * host is offered a port only if its own `supported_api_versions` reply advertises the fast path.
 * After the window speech, the port is read until the host's `close`, so that what the host sent
 * on it before it heard the page's `close` is still handled.
 * @internal
 */
export class DocumentChannel {
  private readonly members = new Set<ChannelMember>();
  private link: PortLink | undefined;
  private offerId: string | undefined;
  /** The host's `switch` came: this end sends over the port. */
  private switched = false;
  /** Port messages that came before the host's `switch`. */
  private early: unknown[] = [];
  /** The current host's `supported_api_versions` reply advertised the fast path. */
  private hostTakesPorts = false;
  /** The widget ID the page speaks as, from what it sent on the window (MSC4412 names none). */
  private widgetId: string | undefined;
  private offers = 0;
  private listening = false;

  constructor(
    private readonly self: Window,
    readonly parent: Window,
    readonly origin: string,
  ) {}

  /** Whether this page sends over the port now. */
  get active(): boolean {
    return this.switched;
  }

  join(member: ChannelMember): void {
    this.members.add(member);
    if (this.listening) return;
    this.listening = true;
    this.self.addEventListener("message", this.onMessage);
  }

  leave(member: ChannelMember): void {
    this.members.delete(member);
    this.release();
  }

  send(message: WireMessage): void {
    if (this.switched && this.link) {
      this.link.send(message);
      return;
    }
    // The handshake always goes by the window, so the session's widget ID is known by the switch.
    this.widgetId = message.widgetId;
    this.parent.postMessage(message, this.origin);
  }

  /**
   * Stops listening once no transport uses the channel and no port is open. An open port stays,
   * with the window listener that notices when the host gives it up, for the page's next client.
   */
  private release(): void {
    if (this.members.size > 0 || this.link || !this.listening) return;
    this.listening = false;
    this.self.removeEventListener("message", this.onMessage);
    const rest = channels.get(this.self)?.filter((each) => each !== this) ?? [];
    if (rest.length > 0) channels.set(this.self, rest);
    else channels.delete(this.self);
  }

  private readonly onMessage = (event: MessageEvent): void => {
    if (event.source !== this.parent || event.origin !== this.origin) return;
    const data: unknown = event.data;
    const found = controlOf(data);
    if (found) {
      if (!this.link || this.switched || found.id === undefined || found.id !== this.offerId) return;
      if (found.step === "switch") {
        // Our last message on the window; the port carries the rest, after what was held.
        this.parent.postMessage(control("switched", found.id), this.origin);
        this.switched = true;
        const link = this.link;
        for (const held of this.early.splice(0)) this.fromPort(held, link);
      } else if (found.step === "decline") {
        this.drop(false);
      }
      return;
    }
    // The host's `switch` was its last message on the window: the session's speech there now
    // means it has given the port up, or another host speaks to this widget. Other messages from
    // the parent, one for another widget ID among them, are not the session's.
    if (this.switched && speaksToSession(data, this.widgetId)) this.drop(true, true);
    const offer = !this.link && this.sniff(data);
    this.deliverAll(data);
    if (offer) this.offer();
  };

  /**
   * Watches the handshake: whether the host's `supported_api_versions` reply advertises the fast
   * path, and whether this message is its `notify_capabilities`, after which the offer goes out.
   * A message for another widget ID says nothing about the host of this one.
   */
  private sniff(data: unknown): boolean {
    if (typeof data !== "object" || data === null) return false;
    const { api, action, widgetId } = data as Record<string, unknown>;
    if (this.widgetId !== undefined && widgetId !== this.widgetId) return false;
    const answered = Object.hasOwn(data, "response");
    if (api === "fromWidget" && action === "supported_api_versions" && answered) {
      const versions = (data as { response: { supported_versions?: unknown } | null }).response
        ?.supported_versions;
      this.hostTakesPorts = Array.isArray(versions) && versions.includes(FAST_PATH_VERSION);
    }
    return api === "toWidget" && action === "notify_capabilities" && !answered && this.hostTakesPorts;
  }

  private offer(): void {
    if (this.link || this.offers >= MAX_OFFERS || typeof MessageChannel !== "function") return;
    if (this.members.size === 0) return;
    for (const member of this.members) if (!member.allowsFastPath) return;
    const { port1, port2 } = new MessageChannel();
    this.offers++;
    this.offerId = Math.random().toString(36).slice(2);
    this.early = [];
    this.link = new PortLink(port1, this.fromPort, (reply) => this.deliverAll(reply));
    this.parent.postMessage(control("offer", this.offerId), this.origin, [port2]);
  }

  private readonly fromPort = (data: unknown, link: PortLink): void => {
    const current = link === this.link;
    if (current && !this.switched) {
      if (this.early.length >= MAX_EARLY) this.drop(false);
      else this.early.push(data);
      return;
    }
    // Each element on its own, as if it had come alone; stop if the port was closed meanwhile.
    if (Array.isArray(data)) {
      for (const message of data as unknown[]) {
        if (link.closed) return;
        this.deliverAll(message);
      }
    } else if (isClose(data)) {
      // The host's last message on the port. On the port in use, the host gave it up and the
      // page's own `close` answers it; on a port the page gave up, it is the answer awaited.
      if (current) this.drop(true);
      else link.close();
    }
  };

  private deliverAll(message: unknown): void {
    for (const member of [...this.members]) member.deliver(message);
  }

  /**
   * Gives the port in use up; what was sent in this task and not flushed goes by the window.
   * `byHost`: the host gave it up (its `close`, or the session's speech on the window), so its
   * advertisement is forgotten. `keepReading`: the host may still be sending on the port (it spoke
   * on the window, its `close` not heard yet): the page's `close` goes out, but the port is read
   * until the host's. A host that never answers leaves at most {@link MAX_OFFERS} such ports.
   */
  private drop(byHost: boolean, keepReading = false): void {
    const link = this.link;
    if (!link) return;
    this.link = undefined;
    this.switched = false;
    this.early = [];
    this.offerId = undefined;
    if (byHost) this.hostTakesPorts = false;
    const pending = link.takeBatch();
    if (keepReading) link.end();
    else link.close();
    for (const message of pending) this.parent.postMessage(message, this.origin);
    this.release();
  }
}
