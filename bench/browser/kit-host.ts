// Host page for our toolkit: a WidgetHost over HostPostMessageTransport, with a driver whose
// searchUserDirectory answers at once with a fixed small result and whose live room-event feed
// (watchRoomEvents) the benchmark drives. Events reach the widget through the host's real MSC2762
// feed (send_event), and each push counts once the widget's acknowledgement is back at the host.
//
// URL parameters: `widget` (the widget page's URL) and `fastPath` ("1" or "0": passed to the host
// as the `fastPath` option; absent: the option is left at its default).
import {
  approveCapabilities,
  HostPostMessageTransport,
  WidgetHost,
  type RoomEvent,
  type TraceEntry,
  type WidgetDriver,
  type WidgetHostOptions,
} from "../../src/host/index.js";
import { rawEventRequest, RawChannel } from "./raw.js";
import {
  benchEvent,
  DIRECTORY_RESULT,
  fastPathOption,
  readFastPathActive,
  reportSetupError,
  ROOM_ID,
  silenceConsoleLog,
  WIDGET_ID,
  WIRE_DIRECTORY_RESULT,
  type HostBench,
} from "./shared.js";

silenceConsoleLog();
const params = new URLSearchParams(location.search);
const widgetUrl = params.get("widget") ?? "";
const widgetOrigin = new URL(widgetUrl).origin;

const iframe = document.createElement("iframe");
document.body.append(iframe);

// The driver's live feed: the host subscribes when the session is ready, as it does to a real
// client's timeline, and the benchmark calls the listener as a sync would.
let deliver: ((event: RoomEvent) => void) | undefined;
const driver: WidgetDriver = {
  searchUserDirectory: () => Promise.resolve(DIRECTORY_RESULT),
  watchRoomEvents(listener) {
    deliver = listener;
    return () => {
      if (deliver === listener) deliver = undefined;
    };
  },
};

// Typed loosely on purpose: `fastPath` is new (issue 11); until the host knows it, it is ignored
// and `fastPathActive` reads as unknown, which the report shows as "not available".
const options: WidgetHostOptions & { fastPath?: boolean } = {
  widgetId: WIDGET_ID,
  transport: new HostPostMessageTransport({ iframe, widgetOrigin }),
  driver,
  policy: approveCapabilities("all-requested"),
  viewedRoomId: ROOM_ID,
  // The default directory-search rate limit (burst 20, then 5/s) would refuse a benchmark.
  limits: { directorySearch: { burst: 1e9, perSecond: 1e9 } },
  ...fastPathOption(params),
};
const host = new WidgetHost(options);

// The host reports every settled request as a trace entry, over whichever channel it travelled:
// a send_event entry means the widget's acknowledgement is back and processed.
let acked: ((entry: TraceEntry) => void) | undefined;
host.on("trace", (entry) => {
  if (entry.direction === "toWidget" && entry.action === "send_event") acked?.(entry);
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
    const push = deliver;
    if (!push) throw new Error("the host is not watching room events");
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const entry = await new Promise<TraceEntry>((resolve) => {
        acked = resolve;
        push(benchEvent(i));
      });
      if (!entry.ok) throw new Error(`event ${i} was not acknowledged: ${entry.error ?? "error reply"}`);
    }
    acked = undefined;
    return performance.now() - started;
  },
  fastPathActive: () => readFastPathActive(host),
};
(window as unknown as { __bench: HostBench }).__bench = bench;

host.whenReady().then(
  () => {
    bench.ready = true;
  },
  (error: unknown) => reportSetupError(bench, error),
);
iframe.src = widgetUrl;
