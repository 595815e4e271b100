// Widget page for our toolkit: WidgetClient.create over postMessage, searching the user directory,
// and answering the host's event pushes.
import { WidgetClient } from "../../src/widget/index.js";
import { benchEventAction } from "./kit-event-action.js";
import { rawSearchRequest, RawChannel } from "./raw.js";
import {
  reportSetupError,
  SEARCH_LIMIT,
  SEARCH_TERM,
  silenceConsoleLog,
  type WidgetBench,
} from "./shared.js";
import { searchUserDirectory } from "../../src/widget/index.js";

silenceConsoleLog();
const parentOrigin = new URL(new URLSearchParams(location.search).get("parentUrl") ?? "").origin;

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
};
(window as unknown as { __bench: WidgetBench }).__bench = bench;

WidgetClient.create({
  capabilities: ["org.matrix.msc3973.user_directory_search"],
  // The default (64 requests waiting at once) would refuse the 1000-request burst.
  maxPending: 4096,
}).then(
  (created) => {
    client = created;
    created.handle(benchEventAction, () => {
      bench.eventsDelivered++;
      return {};
    });
    bench.ready = true;
  },
  (error: unknown) => reportSetupError(bench, error),
);
