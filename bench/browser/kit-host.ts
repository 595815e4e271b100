// Host page for our toolkit: a WidgetHost over HostPostMessageTransport, with a driver whose
// searchUserDirectory answers at once with a fixed small result.
import { approveCapabilities, HostPostMessageTransport, WidgetHost } from "../../src/host/index.js";
import { benchEventAction } from "./kit-event-action.js";
import { rawEventRequest, RawChannel } from "./raw.js";
import {
  benchEvent,
  DIRECTORY_RESULT,
  reportSetupError,
  silenceConsoleLog,
  WIDGET_ID,
  WIRE_DIRECTORY_RESULT,
  type HostBench,
} from "./shared.js";

silenceConsoleLog();
const widgetUrl = new URLSearchParams(location.search).get("widget") ?? "";
const widgetOrigin = new URL(widgetUrl).origin;

const iframe = document.createElement("iframe");
document.body.append(iframe);

const transport = new HostPostMessageTransport({ iframe, widgetOrigin });
const host = new WidgetHost({
  widgetId: WIDGET_ID,
  transport,
  origin: widgetOrigin,
  driver: { searchUserDirectory: () => Promise.resolve(DIRECTORY_RESULT) },
  policy: approveCapabilities("all-requested"),
  // The default directory-search rate limit (burst 20, then 5/s) would refuse a benchmark.
  limits: { directorySearch: { burst: 1e9, perSecond: 1e9 } },
});

const raw = new RawChannel(
  window,
  (event) => event.source === iframe.contentWindow && event.origin === widgetOrigin,
  (message) => iframe.contentWindow?.postMessage(message, widgetOrigin),
  WIRE_DIRECTORY_RESULT,
);

const bench: HostBench = {
  impl: "kit",
  ready: false,
  rawFeed: (n) => raw.sequential(n, (i) => rawEventRequest(benchEvent(i))),
  async libFeed(n) {
    const started = performance.now();
    for (let i = 0; i < n; i++) await host.request(benchEventAction, benchEvent(i));
    return performance.now() - started;
  },
};
(window as unknown as { __bench: HostBench }).__bench = bench;

host.whenReady().then(
  () => {
    bench.ready = true;
  },
  (error: unknown) => reportSetupError(bench, error),
);
iframe.src = widgetUrl;
