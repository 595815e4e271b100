// Widget page for matrix-widget-api: a WidgetApi that requests the directory-search and
// receive-message capabilities, searches the user directory, and acknowledges pushed events.
import { WidgetApi, type IWidgetApiRequest } from "matrix-widget-api";
import { rawSearchRequest, RawChannel } from "./raw.js";
import {
  reportSetupError,
  SEARCH_LIMIT,
  SEARCH_TERM,
  silenceConsoleLog,
  WIDGET_ID,
  type WidgetBench,
} from "./shared.js";

silenceConsoleLog();
const params = new URLSearchParams(location.search);
const parentOrigin = new URL(params.get("parentUrl") ?? "").origin;

const raw = new RawChannel(
  window,
  (event) => event.source === window.parent && event.origin === parentOrigin,
  (message) => window.parent.postMessage(message, parentOrigin),
  {},
);

const api = new WidgetApi(params.get("widgetId") ?? WIDGET_ID, parentOrigin);
api.requestCapability("org.matrix.msc3973.user_directory_search");
api.requestCapabilityToReceiveEvent("m.room.message");

const search = (): Promise<unknown> =>
  api.searchUserDirectory(SEARCH_TERM, SEARCH_LIMIT).then((reply) => {
    if (reply.results.length !== 2) throw new Error("unexpected directory reply");
  });

const bench: WidgetBench = {
  impl: "mwa",
  ready: false,
  eventsDelivered: 0,
  rawSequential: (n) => raw.sequential(n, rawSearchRequest),
  rawBurst: (n) => raw.burst(n, rawSearchRequest),
  async libSequential(n) {
    const started = performance.now();
    for (let i = 0; i < n; i++) await search();
    return performance.now() - started;
  },
  async libBurst(n) {
    const started = performance.now();
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) all.push(search());
    await Promise.all(all);
    return performance.now() - started;
  },
  // matrix-widget-api has no fast path.
  fastPathActive: () => null,
};
(window as unknown as { __bench: WidgetBench }).__bench = bench;

api.on("action:send_event", (event: CustomEvent<IWidgetApiRequest>) => {
  event.preventDefault();
  bench.eventsDelivered++;
  api.transport.reply(event.detail, {});
});
api.on("ready", () => {
  bench.ready = true;
});
try {
  api.start();
} catch (error) {
  reportSetupError(bench, error);
}
