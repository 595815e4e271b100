// Widget-side functions of the other matrix-widget-api families (MatrixRTC included). Each takes the widget session as
// its first argument, so a widget bundle carries only the families it uses.
export * from "./to-device.js";
export * from "./openid.js";
export * from "./ui.js";
export * from "./modals.js";
export * from "./turn.js";
export * from "./media.js";
export * from "./room-account-data.js";
export * from "./rtc.js";
