import { WidgetKitConfigError } from "../core/config-error.js";
import type { WireMessage } from "../protocol/envelope.js";
import { documentChannel, type ChannelMember, type DocumentChannel } from "./fast-path-widget.js";
import { exactOrigin } from "./origin.js";
import { ListenerSet, type FastPath, type Transport } from "./transport.js";

/** Options for {@link WidgetPostMessageTransport}. */
export interface WidgetPostMessageTransportOptions {
  /** The host's origin. Messages count only from it, and requests go only there. */
  parentOrigin: string;
  /** The host window; defaults to `window.parent`. */
  parent?: Window;
  /** The widget's own window to listen on; defaults to the global `window`. */
  self?: Window;
  /**
   * Offer our host a private MessagePort after the handshake (default true). Hosts that do not
   * advertise the fast path are never offered one. See docs/security.md ("The MessagePort fast path").
   */
  fastPath?: boolean | undefined;
}

/**
 * The widget end of the postMessage transport. It accepts a message only from the parent window
 * and the parent's exact origin, and posts only to that origin, never to `"*"`.
 *
 * The transports of one page share one channel, as they share the window: each hears every
 * message from the host. With our host, after the handshake, that channel moves to a private
 * MessagePort ({@link fastPath}); the port then belongs to the page, not to one transport.
 */
export class WidgetPostMessageTransport implements Transport, ChannelMember {
  private readonly messages = new ListenerSet<[unknown]>();
  private readonly parent: Window;
  private readonly self: Window;
  /** The exact origin the host must have. */
  readonly parentOrigin: string;
  private closed = false;
  private readonly channel: DocumentChannel;
  /** Whether this transport lets the page offer a port (the `fastPath` option). */
  allowsFastPath: boolean;

  constructor(options: WidgetPostMessageTransportOptions) {
    this.parentOrigin = exactOrigin(options.parentOrigin);
    this.self = options.self ?? window;
    this.parent = embeddingParent(this.self, options.parent);
    this.allowsFastPath = options.fastPath ?? true;
    this.channel = documentChannel(this.self, this.parent, this.parentOrigin);
    this.channel.join(this);
  }

  /** @internal a message from the parent window at the pinned origin, or from the port. */
  deliver(message: unknown): void {
    this.messages.emit(message);
  }

  /** The fast path: whether the page talks to the host over its port now, and whether to offer one. */
  get fastPath(): FastPath {
    const channel = this.channel;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the setter below writes to it
    const transport = this;
    return {
      get active() {
        return channel.active;
      },
      get enabled() {
        return transport.allowsFastPath;
      },
      set enabled(value: boolean) {
        transport.allowsFastPath = value;
      },
    };
  }

  send(message: WireMessage): void {
    if (this.closed) return;
    this.channel.send(message);
  }

  subscribe(listener: (message: unknown) => void): () => void {
    return this.messages.add(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.leave(this);
    this.messages.clear();
  }
}

/**
 * The window that embeds `self` (its `parent` unless one is given); throws `not_embedded` for a
 * top-level page, which has no host to talk to.
 */
export function embeddingParent(self: Window, parent: Window = self.parent): Window {
  if (parent === self) {
    throw new WidgetKitConfigError(
      "This page is not embedded: a widget must run inside a host's iframe",
      "not_embedded",
    );
  }
  return parent;
}
