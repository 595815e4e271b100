import { ConfigErrorCode, WidgetKitConfigError } from "../core/config-error.js";
import type { WireMessage } from "../protocol/envelope.js";
import { exactOrigin } from "./origin.js";
import { ListenerSet, type Transport } from "./transport.js";

/** Options for {@link WidgetPostMessageTransport}. */
export interface WidgetPostMessageTransportOptions {
  /** The host's origin. Messages count only from it, and requests go only there. */
  parentOrigin: string;
  /** The host window; defaults to `window.parent`. */
  parent?: Window;
  /** The widget's own window to listen on; defaults to the global `window`. */
  self?: Window;
}

/**
 * The widget end of the postMessage transport. It accepts a message only from the parent window
 * and the parent's exact origin, and posts only to that origin, never to `"*"`.
 */
export class WidgetPostMessageTransport implements Transport {
  private readonly messages = new ListenerSet<[unknown]>();
  private readonly parent: Window;
  private readonly self: Window;
  /** The exact origin the host must have. */
  readonly parentOrigin: string;
  private closed = false;

  constructor(options: WidgetPostMessageTransportOptions) {
    this.parentOrigin = exactOrigin(options.parentOrigin);
    this.self = options.self ?? window;
    this.parent = options.parent ?? this.self.parent;
    if (this.parent === this.self) {
      throw new WidgetKitConfigError(
        "This page is not embedded: a widget must run inside a host's iframe",
        ConfigErrorCode.NotEmbedded,
      );
    }
    this.self.addEventListener("message", this.onMessage);
  }

  private readonly onMessage = (event: MessageEvent): void => {
    if (event.source !== this.parent || event.origin !== this.parentOrigin) return;
    this.messages.emit(event.data);
  };

  send(message: WireMessage): void {
    if (this.closed) return;
    this.parent.postMessage(message, this.parentOrigin);
  }

  subscribe(listener: (message: unknown) => void): () => void {
    return this.messages.add(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.self.removeEventListener("message", this.onMessage);
    this.messages.clear();
  }
}
