// Host page for matrix-widget-api: a ClientWidgetApi with a WidgetDriver subclass that approves
// every requested capability and answers searchUserDirectory at once with the same fixed result.
import {
  ClientWidgetApi,
  Widget,
  WidgetDriver,
  type Capability,
  type ISearchUserDirectoryResult,
} from "matrix-widget-api";
import { rawEventRequest, RawChannel } from "./raw.js";
import {
  benchEvent,
  DIRECTORY_RESULT,
  reportSetupError,
  ROOM_ID,
  silenceConsoleLog,
  WIDGET_ID,
  WIRE_DIRECTORY_RESULT,
  type HostBench,
} from "./shared.js";

silenceConsoleLog();
const widgetUrl = new URLSearchParams(location.search).get("widget") ?? "";
const widgetOrigin = new URL(widgetUrl).origin;

class BenchDriver extends WidgetDriver {
  override validateCapabilities(requested: Set<Capability>): Promise<Set<Capability>> {
    return Promise.resolve(requested);
  }
  override searchUserDirectory(): Promise<ISearchUserDirectoryResult> {
    return Promise.resolve(DIRECTORY_RESULT);
  }
}

const iframe = document.createElement("iframe");
document.body.append(iframe);

const widget = new Widget({
  id: WIDGET_ID,
  creatorUserId: "@bench:example.org",
  type: "m.custom",
  url: widgetUrl,
  waitForIframeLoad: true,
});
const api = new ClientWidgetApi(widget, iframe, new BenchDriver());

const raw = new RawChannel(
  window,
  (event) => event.source === iframe.contentWindow && event.origin === widgetOrigin,
  (message) => iframe.contentWindow?.postMessage(message, widgetOrigin),
  WIRE_DIRECTORY_RESULT,
);

const bench: HostBench = {
  impl: "mwa",
  ready: false,
  rawFeed: (n) => raw.sequential(n, (i) => rawEventRequest(benchEvent(i))),
  async libFeed(n) {
    const started = performance.now();
    // feedEvent checks the receive capability and the room, then sends send_event and waits for the ack.
    for (let i = 0; i < n; i++) await api.feedEvent(benchEvent(i));
    return performance.now() - started;
  },
  // matrix-widget-api has no fast path.
  fastPathActive: () => null,
};
(window as unknown as { __bench: HostBench }).__bench = bench;

api.on("ready", () => {
  // The events are in the viewed room; with no receive-state capability this pushes no state.
  api.setViewedRoomId(ROOM_ID);
  bench.ready = true;
});
api.on("error:preparing", (error: unknown) => reportSetupError(bench, error));
iframe.src = widgetUrl;
