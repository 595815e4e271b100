import type { WireMessage } from "../protocol/envelope.js";
import { HostFastPath } from "./fast-path-host.js";
import { exactOrigin } from "./origin.js";
import { ListenerSet, type FastPath, type Transport } from "./transport.js";

/** Options for {@link HostPostMessageTransport}. */
export interface HostPostMessageTransportOptions {
  /** The widget's iframe. Messages count only if they come from its window. */
  iframe: HTMLIFrameElement;
  /** The widget's origin (or its URL). Messages count only from this exact origin, and replies go only there. */
  widgetOrigin: string;
  /** The host window to listen on; defaults to the global `window`. */
  hostWindow?: Window;
  /**
   * Take the port our widget offers after the handshake (default true); `WidgetHost`'s own
   * `fastPath` option sets it too. See docs/security.md ("The MessagePort fast path").
   */
  fastPath?: boolean | undefined;
}

/**
 * The host end of the postMessage transport. It accepts a message only when `event.source` is the
 * iframe's own window and `event.origin` is exactly the widget's origin, so a sibling frame or a
 * popup that knows the widget ID is ignored. It never posts to `"*"`. Each `load` of the iframe is
 * reported through {@link onPeerLoad}, so the host can end the session on reload or navigation.
 *
 * When the widget is ours too, it may offer a private MessagePort after the handshake; the
 * transport takes it only from that same window and origin, sends over it from then on, and
 * closes it on the next load or on close ({@link fastPath}).
 */
export class HostPostMessageTransport implements Transport {
  private readonly messages = new ListenerSet<[unknown]>();
  private readonly loads = new ListenerSet<[]>();
  private readonly iframe: HTMLIFrameElement;
  private readonly hostWindow: Window;
  /** The exact origin the widget must have. */
  readonly widgetOrigin: string;
  private closed = false;
  private readonly upgrade: HostFastPath;

  constructor(options: HostPostMessageTransportOptions) {
    this.iframe = options.iframe;
    this.widgetOrigin = exactOrigin(options.widgetOrigin);
    this.hostWindow = options.hostWindow ?? window;
    this.upgrade = new HostFastPath(
      this.iframe,
      options.fastPath ?? true,
      (message) => this.toFrame(message),
      (message) => this.messages.emit(message),
    );
    this.hostWindow.addEventListener("message", this.onMessage);
    this.iframe.addEventListener("load", this.onLoad);
  }

  private readonly onMessage = (event: MessageEvent): void => {
    const frameWindow = this.iframe.contentWindow;
    if (frameWindow === null || event.source !== frameWindow) return;
    if (event.origin !== this.widgetOrigin) return;
    if (this.upgrade.fromWindow(event.data, event.ports)) return;
    this.messages.emit(event.data);
  };

  // The port goes first: what the session sends on hearing of the load is for the new document.
  private readonly onLoad = (): void => {
    this.upgrade.onLoad();
    this.loads.emit();
  };

  /** The fast path: whether the session runs over the widget's port, and whether to accept one. */
  get fastPath(): FastPath {
    return this.upgrade;
  }

  private toFrame(message: unknown): void {
    this.iframe.contentWindow?.postMessage(message, this.widgetOrigin);
  }

  /** The widget's exact origin: the one messages must come from. */
  get peerOrigin(): string {
    return this.widgetOrigin;
  }

  send(message: WireMessage): void {
    if (this.closed || this.upgrade.send(message)) return;
    this.toFrame(message);
  }

  subscribe(listener: (message: unknown) => void): () => void {
    return this.messages.add(listener);
  }

  onPeerLoad(listener: () => void): () => void {
    return this.loads.add(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.upgrade.close();
    this.hostWindow.removeEventListener("message", this.onMessage);
    this.iframe.removeEventListener("load", this.onLoad);
    this.messages.clear();
    this.loads.clear();
  }
}
