import type { WireMessage } from "../protocol/envelope.js";
import { control, controlOf, FAST_PATH_VERSION, MAX_EARLY, PortLink, speaksWidgetApi } from "./fast-path.js";

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
  private hostTakesPorts = false;
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
    if (this.switched && this.link) this.link.send(message);
    else this.parent.postMessage(message, this.origin);
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
        for (const held of this.early.splice(0)) this.fromPort(held);
      } else if (found.step === "decline") {
        this.drop();
      }
      return;
    }
    // The host's `switch` was its last message on the window: Widget API speech there now means
    // it has given the port up. Other messages from the parent are not the session's.
    if (this.switched && speaksWidgetApi(data)) this.drop();
    const offer = !this.link && this.sniff(data);
    this.deliverAll(data);
    if (offer) this.offer();
  };

  /**
   * Watches the handshake: whether the host's `supported_api_versions` reply advertises the fast
   * path, and whether this message is its `notify_capabilities`, after which the offer goes out.
   */
  private sniff(data: unknown): boolean {
    if (typeof data !== "object" || data === null) return false;
    const { api, action } = data as Record<string, unknown>;
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
    this.link = new PortLink(
      port1,
      (data) => this.fromPort(data),
      (reply) => this.deliverAll(reply),
    );
    this.parent.postMessage(control("offer", this.offerId), this.origin, [port2]);
  }

  private fromPort(data: unknown): void {
    const link = this.link;
    if (!link) return;
    if (!this.switched) {
      if (this.early.length >= MAX_EARLY) this.drop();
      else this.early.push(data);
      return;
    }
    if (Array.isArray(data)) {
      for (const message of data as unknown[]) {
        if (this.link !== link) return;
        this.deliverAll(message);
      }
    } else if (controlOf(data)?.step === "close") {
      this.drop();
    }
  }

  private deliverAll(message: unknown): void {
    for (const member of [...this.members]) member.deliver(message);
  }

  /** Gives the port up; what was sent in this task and not flushed goes by the window. */
  private drop(): void {
    const link = this.link;
    if (!link) return;
    this.link = undefined;
    this.switched = false;
    this.early = [];
    this.offerId = undefined;
    const pending = link.takeBatch();
    link.close(control("close"));
    for (const message of pending) this.parent.postMessage(message, this.origin);
    this.release();
  }
}
