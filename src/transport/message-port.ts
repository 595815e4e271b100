import type { WireMessage } from "../protocol/envelope.js";
import { ListenerSet, type Transport } from "./transport.js";

/**
 * A transport over a `MessagePort`, for either side. A port is private to the two ends that hold
 * it, so no origin check is needed once it has been handed over; handing it over safely (for
 * example through a postMessage with an exact target origin) is the embedder's job.
 */
export class MessagePortTransport implements Transport {
  private readonly messages = new ListenerSet<[unknown]>();
  private closed = false;

  constructor(private readonly port: MessagePort) {
    port.addEventListener("message", this.onMessage);
    port.start();
  }

  private readonly onMessage = (event: MessageEvent): void => this.messages.emit(event.data);

  send(message: WireMessage): void {
    if (!this.closed) this.port.postMessage(message);
  }

  subscribe(listener: (message: unknown) => void): () => void {
    return this.messages.add(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.removeEventListener("message", this.onMessage);
    this.port.close();
    this.messages.clear();
  }
}
