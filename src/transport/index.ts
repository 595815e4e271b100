export type { Transport, FastPath } from "./transport.js";
export { FAST_PATH_VERSION } from "./fast-path.js";
export { HostPostMessageTransport, type HostPostMessageTransportOptions } from "./post-message-host.js";
export { WidgetPostMessageTransport, type WidgetPostMessageTransportOptions } from "./post-message-widget.js";
export { MessagePortTransport } from "./message-port.js";
export { MemoryTransport, createMemoryTransportPair, type MemoryTransportPair } from "./memory.js";
export { exactOrigin } from "./origin.js";
