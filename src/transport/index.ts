export type { Transport } from "./transport.js";
export { HostPostMessageTransport, type HostPostMessageTransportOptions } from "./post-message-host.js";
export { WidgetPostMessageTransport, type WidgetPostMessageTransportOptions } from "./post-message-widget.js";
export { MessagePortTransport } from "./message-port.js";
export { MemoryTransport, createMemoryTransportPair, type MemoryTransportPair } from "./memory.js";
export { exactOrigin } from "./origin.js";
