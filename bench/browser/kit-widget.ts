// Widget page for our toolkit: WidgetClient.create over postMessage, searching the user directory,
// and receiving the host's room events through the public event API (onRoomEvent), which
// acknowledges each one as it does for any widget.
//
// URL parameters (besides widgetId and parentUrl): `fastPath` ("1" or "0": passed to
// WidgetClient.create as the `fastPath` option; absent: the option is left at its default).
import {
  eventCapability,
  onRoomEvent,
  searchUserDirectory,
  WidgetClient,
  type WidgetClientOptions,
} from "../../src/widget/index.js";
import { rawSearchRequest, RawChannel } from "./raw.js";
import {
  fastPathOption,
  readFastPathActive,
  reportSetupError,
  SEARCH_LIMIT,
  SEARCH_TERM,
  silenceConsoleLog,
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

let client: WidgetClient | undefined;
const search = (): Promise<unknown> => {
  if (!client) throw new Error("not ready");
  return searchUserDirectory(client, SEARCH_TERM, { limit: SEARCH_LIMIT }).then((reply) => {
    if (reply.results.length !== 2) throw new Error("unexpected directory reply");
  });
};

const bench: WidgetBench = {
  impl: "kit",
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
  fastPathActive: () => (client ? readFastPathActive(client) : null),
};
(window as unknown as { __bench: WidgetBench }).__bench = bench;

// Typed loosely on purpose: `fastPath` is new (issue 11); until the client knows it, it is ignored.
const options: WidgetClientOptions & { fastPath?: boolean } = {
  capabilities: ["org.matrix.msc3973.user_directory_search", eventCapability("receive", "m.room.message")],
  // The default (64 requests waiting at once) would refuse the 1000-request burst.
  maxPending: 4096,
  // Listening before the exchange, so no event pushed right after the grant is refused.
  beforeStart: (created) => {
    onRoomEvent(created, () => {
      bench.eventsDelivered++;
    });
  },
  ...fastPathOption(params),
};
WidgetClient.create(options).then(
  (created) => {
    client = created;
    bench.ready = true;
  },
  (error: unknown) => reportSetupError(bench, error),
);
