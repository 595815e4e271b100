// Supplementary figure: the libraries' own CPU cost per request, without IPC. On the benchmark
// machine a cross-process postMessage round trip costs about a millisecond of CPU (browser process
// and both renderers), which hides the libraries' JavaScript in figures 1–3. Here both ends run in
// one Node process over a wire that does what postMessage does to the data (a structured clone,
// delivered asynchronously in a microtask), so the cost of the wire is small and the same for all:
//
// - raw: an echo of the same envelope-shaped messages over that wire;
// - ours: WidgetHost + WidgetClient over a Transport on that wire;
// - matrix-widget-api: ClientWidgetApi + WidgetApi over the stand-in windows of fake-windows.ts
//   (the same wire; every message also reaches the sender's own transport, which drops it after a
//   few property checks, as a window's other listeners would; handing each message to the other
//   side only changed their figures by less than the noise, see docs/decisions.md).
//
// Figures (sequential search, burst of searches, sequential event pushes) mirror 1–3. The feed is
// each side's real MSC2762 delivery, one event at a time, each counted once its acknowledgement is
// back at the host: ours, the driver's watchRoomEvents feeding WidgetHost's event feed to the
// widget's onRoomEvent; matrix-widget-api's, ClientWidgetApi.feedEvent to a WidgetApi that answers
// its action:send_event; raw, the same event echoed. CPU time of
// the whole process (process.cpuUsage, so GC threads count), median of runs, in each of which
// the three sides take turns in slices of 150 requests (a burst: whole bursts, three each), in all
// six orders by rotation; a side's extra is the median of its per-run differences to raw. Writes
// JSON to the path in argv[2].
import { writeFileSync } from "node:fs";
import { ClientWidgetApi, Widget, WidgetApi, type IWidgetApiRequest } from "matrix-widget-api";
import {
  approveCapabilities,
  silentLogger,
  WidgetHost,
  type RoomEvent,
  type Transport,
  type WidgetDriver,
} from "../../src/host/index.js";
import type { WireMessage } from "../../src/protocol/envelope.js";
import { eventCapability, onRoomEvent, searchUserDirectory, WidgetClient } from "../../src/widget/index.js";
import { benchEvent, DIRECTORY_RESULT, ROOM_ID, WIRE_DIRECTORY_RESULT } from "../browser/shared.js";
import { ApprovingDriver, FAKE_HOST_ORIGIN, FAKE_WIDGET_ORIGIN, installFakeWindows } from "./fake-windows.js";

const SEQUENTIAL = 3000;
const BURST = 1000;
const FEED = 3000;
// 25: on a shared two-core machine single runs of one figure differ by up to 2× (the feed's extra
// over raw even changes sign); more runs steady the medians, and the part still takes about 12 s.
const RUNS = Number(process.env.BENCH_OVERHEAD_RUNS ?? 25);
const WARMUP_RUNS = 2;

/** One end of the in-process wire: structured clone, delivered to the peer's listeners in a microtask. */
class WireEnd implements Transport {
  peer: WireEnd | undefined;
  private readonly listeners = new Set<(message: unknown) => void>();

  send(message: WireMessage | unknown[]): void {
    const copy: unknown = structuredClone(message);
    const peer = this.peer;
    if (peer) queueMicrotask(() => peer.listeners.forEach((listener) => listener(copy)));
  }

  subscribe(listener: (message: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
  }
}

function wire(): [WireEnd, WireEnd] {
  const a = new WireEnd();
  const b = new WireEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

interface Side {
  sequential(n: number): Promise<void>;
  burst(n: number): Promise<void>;
  feed(n: number): Promise<void>;
}

// ---- raw -------------------------------------------------------------------------------------

function rawSide(): Side {
  const [host, widget] = wire();
  const waiting = new Map<string, () => void>();
  let counter = 0;
  const answer =
    (from: WireEnd, response: object) =>
    (message: unknown): void => {
      const envelope = (message as [string, { requestId: string; response?: unknown }])[1];
      if (envelope.response !== undefined) {
        const done = waiting.get(envelope.requestId);
        waiting.delete(envelope.requestId);
        done?.();
      } else {
        from.send(["raw", { ...envelope, response }]);
      }
    };
  host.subscribe(answer(host, WIRE_DIRECTORY_RESULT));
  widget.subscribe(answer(widget, {}));
  const roundTrip = (from: WireEnd, envelope: { requestId: string }): Promise<void> =>
    new Promise((resolve) => {
      waiting.set(envelope.requestId, resolve);
      from.send(["raw", envelope]);
    });
  const search = () =>
    roundTrip(widget, {
      api: "fromWidget",
      widgetId: "raw",
      requestId: `raw-${counter++}`,
      action: "org.matrix.msc3973.user_directory_search",
      data: { search_term: "ali", limit: 10 },
    } as { requestId: string });
  return {
    async sequential(n) {
      for (let i = 0; i < n; i++) await search();
    },
    async burst(n) {
      await Promise.all(Array.from({ length: n }, search));
    },
    async feed(n) {
      for (let i = 0; i < n; i++) {
        await roundTrip(host, {
          api: "toWidget",
          widgetId: "raw",
          requestId: `raw-${counter++}`,
          action: "send_event",
          data: benchEvent(i),
        } as { requestId: string });
      }
    },
  };
}

// ---- ours ------------------------------------------------------------------------------------

async function kitSide(): Promise<Side> {
  const [hostEnd, widgetEnd] = wire();
  // The driver's live feed: the host subscribes to it when the session is ready, as it does to a
  // real client's timeline.
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
  const host = new WidgetHost({
    widgetId: "bench-widget",
    transport: hostEnd,
    driver,
    policy: approveCapabilities("all-requested"),
    viewedRoomId: ROOM_ID,
    // Microtask delivery hands the host the whole burst before the first reply goes out, so the
    // default 32 requests in flight would refuse most of it (in the browser each message is a task
    // of its own, and the burst never has more than one in flight).
    limits: { directorySearch: { burst: 1e9, perSecond: 1e9 }, maxInFlight: 4096 },
    logger: silentLogger,
  });
  const created = WidgetClient.create({
    widgetId: "bench-widget",
    transport: widgetEnd,
    capabilities: ["org.matrix.msc3973.user_directory_search", eventCapability("receive", "m.room.message")],
    maxPending: 4096,
    logger: silentLogger,
  });
  host.start();
  const client = await created;
  await host.whenReady();
  // The widget receives the feed through its public API, which acknowledges each event.
  onRoomEvent(client, () => {});
  // Each pushed event counts once its acknowledgement is back at the host, as raw's echo does.
  let acked: (() => void) | undefined;
  hostEnd.subscribe((message) => {
    const reply = message as { action?: unknown; response?: unknown };
    if (reply.action === "send_event" && reply.response !== undefined) acked?.();
  });
  const search = () => searchUserDirectory(client, "ali", { limit: 10 });
  return {
    async sequential(n) {
      for (let i = 0; i < n; i++) await search();
    },
    async burst(n) {
      await Promise.all(Array.from({ length: n }, search));
    },
    async feed(n) {
      const push = deliver;
      if (!push) throw new Error("the host is not watching the room events");
      for (let i = 0; i < n; i++) {
        await new Promise<void>((resolve) => {
          acked = resolve;
          push(benchEvent(i));
        });
      }
      acked = undefined;
    },
  };
}

// ---- matrix-widget-api -----------------------------------------------------------------------

async function mwaSide(): Promise<Side> {
  const { iframe, load } = installFakeWindows().iframe();
  const widget = new Widget({
    id: "bench-widget",
    creatorUserId: "@bench:example.org",
    type: "m.custom",
    url: `${FAKE_WIDGET_ORIGIN}/widget.html`,
    waitForIframeLoad: true,
  });
  const host = new ClientWidgetApi(widget, iframe, new ApprovingDriver(DIRECTORY_RESULT));
  const client = new WidgetApi("bench-widget", FAKE_HOST_ORIGIN);
  client.requestCapability("org.matrix.msc3973.user_directory_search");
  client.requestCapabilityToReceiveEvent("m.room.message");
  client.on("action:send_event", (event: CustomEvent<IWidgetApiRequest>) => {
    event.preventDefault();
    client.transport.reply(event.detail, {});
  });
  const ready = Promise.all([
    new Promise((resolve) => client.once("ready", resolve)),
    new Promise((resolve) => host.once("capabilitiesNotified", resolve)),
  ]);
  client.start();
  load();
  await ready;
  host.setViewedRoomId(ROOM_ID);
  const search = () => client.searchUserDirectory("ali", 10);
  return {
    async sequential(n) {
      for (let i = 0; i < n; i++) await search();
    },
    async burst(n) {
      await Promise.all(Array.from({ length: n }, search));
    },
    async feed(n) {
      for (let i = 0; i < n; i++) await host.feedEvent(benchEvent(i));
    },
  };
}

// ---- measurement -----------------------------------------------------------------------------

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

type Figure = "sequential" | "burst" | "feed";
/**
 * How each run is cut into slices that the three sides take in turn: 150 requests or events for
 * the sequential figures; a burst stays one burst of 1,000 (that is what the figure measures), so
 * the sides alternate whole bursts, three each per run.
 */
const SLICING: Record<Figure, { slices: number; size: number }> = {
  sequential: { slices: SEQUENTIAL / 150, size: 150 },
  burst: { slices: 3, size: BURST },
  feed: { slices: FEED / 150, size: 150 },
};
type Impl = "raw" | "kit" | "mwa";

/**
 * The orders the three sides take their turns in, one per slice in rotation: every side runs first,
 * second and third equally often, and after each of the other two equally often. Work one side
 * leaves behind (garbage its successor's slice collects, code the JIT compiles on another thread)
 * lands on whoever runs next; with two orders alternating, ours always ran second, right after
 * matrix-widget-api half the time, and raw never did.
 */
const ORDERS: readonly (readonly Impl[])[] = [
  ["raw", "kit", "mwa"],
  ["mwa", "kit", "raw"],
  ["kit", "mwa", "raw"],
  ["raw", "mwa", "kit"],
  ["mwa", "raw", "kit"],
  ["kit", "raw", "mwa"],
];

/**
 * Per figure and side: the median CPU per request over the runs, each run's figure, and the side's
 * extra over raw, the median of its per-run differences to raw's figure of the same run. Taken pair
 * by pair, the extra leaves out what the machine did to a whole run; the difference of the two
 * medians moved about twice as much from one process to the next.
 */
export type OverheadResult = Record<
  Figure,
  Record<Impl, { microsPerRequest: number; runs: number[]; extraMicrosPerRequest: number }>
>;

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error("usage: overhead <output.json>");
  // matrix-widget-api logs every message it sends; a browser console would cost more than this.
  console.log = () => {};
  const sides: Record<Impl, Side> = { raw: rawSide(), kit: await kitSide(), mwa: await mwaSide() };
  const runs = new Map<string, number[]>();
  for (let run = 0; run < WARMUP_RUNS + RUNS; run++) {
    for (const figure of ["sequential", "burst", "feed"] as const) {
      // The three sides take turns in short slices, in the next of ORDERS at every slice, and each
      // run's figure is the sum of its slices. On a shared machine the CPU time of the same work
      // drifts by tens of percent within a second; whole 3,000-request blocks, one side after the
      // other, left each side's figure to the machine's mood during its own block.
      const cpu: Record<Impl, number> = { raw: 0, kit: 0, mwa: 0 };
      const { slices, size } = SLICING[figure];
      for (let slice = 0; slice < slices; slice++) {
        const impls = ORDERS[(run * slices + slice) % ORDERS.length]!;
        for (const impl of impls) {
          const before = cpuMicros();
          await sides[impl][figure](size);
          cpu[impl] += cpuMicros() - before;
        }
      }
      if (run < WARMUP_RUNS) continue;
      for (const impl of ["raw", "kit", "mwa"] as const) {
        const key = `${figure}/${impl}`;
        runs.set(key, [...(runs.get(key) ?? []), cpu[impl] / (slices * size)]);
      }
    }
  }
  const result = {} as OverheadResult;
  for (const figure of ["sequential", "burst", "feed"] as const) {
    result[figure] = {} as OverheadResult[Figure];
    const rawRuns = runs.get(`${figure}/raw`) ?? [];
    for (const impl of ["raw", "kit", "mwa"] as const) {
      const list = runs.get(`${figure}/${impl}`) ?? [];
      const extra = median(list.map((value, index) => value - rawRuns[index]!));
      result[figure][impl] = { microsPerRequest: median(list), runs: list, extraMicrosPerRequest: extra };
    }
    const r = result[figure];
    process.stderr.write(
      `[bench] in-process ${figure}: raw ${r.raw.microsPerRequest.toFixed(1)} µs, ` +
        `ours ${r.kit.microsPerRequest.toFixed(1)} µs, mwa ${r.mwa.microsPerRequest.toFixed(1)} µs per request\n`,
    );
  }
  writeFileSync(out, JSON.stringify(result, null, 2));
}

await main();
