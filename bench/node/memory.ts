// Figure 6: memory of a host with 50 live widget sessions, in Node (run with --expose-gc).
//
// Ours: 50 WidgetHost + WidgetClient pairs over createMemoryTransportPair with no message log
// (`sentLog: 0`: a real channel keeps no copy of what it sent), each negotiated (the client's
// create() resolved and the host is ready, every requested capability granted). The host can show
// share prompts (a confirmShare hook and a driver that creates DMs): MSC3662's capability is
// granted only by a host that can serve it. matrix-widget-api: 50 ClientWidgetApi +
// WidgetApi pairs over a stand-in for the browser's windows (a shared in-process message bus
// with structured cloning, and fake iframe/parent objects), because both classes are tied to
// `window`, `window.parent` and an iframe (see fake-windows.ts). Each side's figure is the heapUsed growth after a full
// GC, divided by 50, so it counts both ends of a session.
//
// Growth: the same sessions of ours (GROWTH_SESSIONS of them) measured after each has served GROWTH_STEPS[0] user
// directory searches, then again after GROWTH_STEPS[1] in all. A session that kept something per
// request served (a reply cache, a trace, a request-ID set that never shrinks) would grow between
// the two. Writes JSON to the path in argv[2].
import { writeFileSync } from "node:fs";
import { ClientWidgetApi, Widget, WidgetApi } from "matrix-widget-api";
import {
  approveCapabilities,
  createMemoryTransportPair,
  silentLogger,
  WidgetHost,
} from "../../src/host/index.js";
import { searchUserDirectory, WidgetClient } from "../../src/widget/index.js";
import { ApprovingDriver, FAKE_HOST_ORIGIN, FAKE_WIDGET_ORIGIN, installFakeWindows } from "./fake-windows.js";

const SESSIONS = 50;
const ROUNDS = Number(process.env.BENCH_MEMORY_ROUNDS ?? 5);
const CAPABILITIES = [
  "org.matrix.msc2931.navigate",
  "org.matrix.msc3973.user_directory_search",
  "uk.half-shot.msc3662.mxid_share",
];
/**
 * Sessions in the growth figure. The heap also holds the code V8 compiles and optimizes while
 * requests are served (about 80 KiB in all, however many sessions there are): shared, not the
 * sessions', so it is spread over more sessions here than in the main figure, and a warm-up run
 * that serves the same requests comes first.
 */
const GROWTH_SESSIONS = 200;
/** Requests each session has served at the two growth points. */
const GROWTH_STEPS = [10, 2000] as const;
const RESULT = { limited: false, results: [{ userId: "@alice:example.org", displayName: "Alice" }] };

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

async function heapAfterGc(): Promise<number> {
  await settle();
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage().heapUsed;
}

// ---- ours ------------------------------------------------------------------------------------

interface KitSessions {
  readonly clients: readonly WidgetClient[];
  destroy(): void;
}

async function kitSessions(count: number): Promise<() => void> {
  const sessions = await openKitSessions(count);
  return () => sessions.destroy();
}

async function openKitSessions(count: number): Promise<KitSessions> {
  const driver = {
    searchUserDirectory: () => Promise.resolve(RESULT),
    navigate: () => Promise.resolve(),
    getProfile: () => Promise.resolve({}),
    createDirectMessage: () => Promise.resolve({ roomId: "!dm:example.org" }),
  };
  const policy = approveCapabilities("all-requested", { confirmShare: () => ({ action: "dismiss" }) });
  const pairs = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const widgetId = `widget-${i}`;
      const transports = createMemoryTransportPair({ sentLog: 0 });
      const host = new WidgetHost({
        widgetId,
        transport: transports.host,
        driver,
        policy,
        logger: silentLogger,
        // The growth figure searches back to back; the default rate limit is for real widgets.
        limits: { directorySearch: { burst: 1e9, perSecond: 1e9 } },
      });
      const clientReady = WidgetClient.create({
        widgetId,
        transport: transports.widget,
        capabilities: CAPABILITIES,
        logger: silentLogger,
      });
      host.start();
      const [client] = await Promise.all([clientReady, host.whenReady()]);
      if (host.grantedCapabilities.length !== CAPABILITIES.length) throw new Error("negotiation failed");
      return { host, client };
    }),
  );
  return {
    clients: pairs.map((pair) => pair.client),
    destroy: () => {
      for (const { host, client } of pairs) {
        client.destroy();
        host.destroy();
      }
    },
  };
}

/** Each client searches `count` times, one after another (all clients at once). */
async function serve(clients: readonly WidgetClient[], count: number): Promise<void> {
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < count; i++) await searchUserDirectory(client, "ali");
    }),
  );
}

export interface GrowthPoint {
  /** Requests each session had served. */
  requests: number;
  /** Heap per session above the heap before the sessions were made. */
  kitBytesPerSession: number;
}

/** One session's memory after few and after many requests: the same sessions, measured twice. */
async function growth(): Promise<GrowthPoint[]> {
  const before = await heapAfterGc();
  const sessions = await openKitSessions(GROWTH_SESSIONS);
  const points: GrowthPoint[] = [];
  let served = 0;
  for (const requests of GROWTH_STEPS) {
    await serve(sessions.clients, requests - served);
    served = requests;
    points.push({ requests, kitBytesPerSession: ((await heapAfterGc()) - before) / GROWTH_SESSIONS });
  }
  sessions.destroy();
  return points;
}

// ---- matrix-widget-api -----------------------------------------------------------------------

async function mwaSessions(count: number): Promise<() => void> {
  const windows = installFakeWindows();
  const driver = new ApprovingDriver(RESULT);
  const pairs = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const widgetId = `widget-${i}`;
      const { iframe, load } = windows.iframe();
      const widget = new Widget({
        id: widgetId,
        creatorUserId: "@bench:example.org",
        type: "m.custom",
        url: `${FAKE_WIDGET_ORIGIN}/widget.html?n=${i}`,
        waitForIframeLoad: true,
      });
      const host = new ClientWidgetApi(widget, iframe, driver);
      const client = new WidgetApi(widgetId, FAKE_HOST_ORIGIN);
      for (const capability of CAPABILITIES) client.requestCapability(capability);
      const ready = Promise.all([
        new Promise((resolve) => client.once("ready", resolve)),
        new Promise((resolve) => host.once("capabilitiesNotified", resolve)),
      ]);
      client.start();
      load();
      await ready;
      return { host, client };
    }),
  );
  return () => {
    for (const { host, client } of pairs) {
      host.stop();
      host.removeAllListeners();
      client.transport.stop();
      client.removeAllListeners();
    }
  };
}

// ---- measurement -----------------------------------------------------------------------------

async function measure(create: (count: number) => Promise<() => void>): Promise<number> {
  const before = await heapAfterGc();
  const destroy = await create(SESSIONS);
  const after = await heapAfterGc();
  destroy();
  return (after - before) / SESSIONS;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface MemoryResult {
  sessions: number;
  rounds: number;
  kitBytesPerSession: number;
  mwaBytesPerSession: number;
  kitRuns: number[];
  mwaRuns: number[];
  /** A session's memory after few and many requests (median of the rounds at each point). */
  growth: { points: GrowthPoint[]; runs: GrowthPoint[][] };
}

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error("usage: memory <output.json>");
  // matrix-widget-api logs every message it sends.
  console.log = () => {};
  // Warm-up: lazily built module state, shapes and code are not per-session costs.
  await measure(kitSessions);
  await measure(mwaSessions);
  const kitRuns: number[] = [];
  const mwaRuns: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    kitRuns.push(await measure(kitSessions));
    mwaRuns.push(await measure(mwaSessions));
  }
  await growth();
  const growthRuns: GrowthPoint[][] = [];
  for (let round = 0; round < ROUNDS; round++) growthRuns.push(await growth());
  const growthPoints = GROWTH_STEPS.map((requests, index) => ({
    requests,
    kitBytesPerSession: median(growthRuns.map((run) => run[index]!.kitBytesPerSession)),
  }));
  const result: MemoryResult = {
    sessions: SESSIONS,
    rounds: ROUNDS,
    kitBytesPerSession: median(kitRuns),
    mwaBytesPerSession: median(mwaRuns),
    kitRuns,
    mwaRuns,
    growth: { points: growthPoints, runs: growthRuns },
  };
  process.stderr.write(
    `[bench] memory per session: ours ${(result.kitBytesPerSession / 1024).toFixed(1)} KiB, ` +
      `mwa ${(result.mwaBytesPerSession / 1024).toFixed(1)} KiB; ours after ` +
      growthPoints
        .map((p) => `${p.requests} requests ${(p.kitBytesPerSession / 1024).toFixed(1)} KiB`)
        .join(", ") +
      "\n",
  );
  writeFileSync(out, JSON.stringify(result, null, 2));
}

await main();
