// Growth figure: what one `read_events` (MSC2876) with `limit: 10` costs on the in-memory driver,
// in a room of 1,000 events and in one of 100,000. The cost should follow the limit, not the
// room's history: a widget reading the last ten messages of a long-lived room pays for ten.
//
// Measured two ways, in Node, CPU time of the thread (/proc/thread-self/schedstat):
// - host: the whole path a widget sees, `readRoomEvents(client, type, { limit: 10 })` from a
//   WidgetClient to a WidgetHost over the in-memory transport pair (no message log), the host
//   calling MemoryDriver.readRoomEvents;
// - driver: `MemoryDriver.readRoomEvents` called directly, the driver's own share.
//
// Every event of the rooms is of the type read, so the ten newest match; a reader looking for a
// type that is rare in the room has to scan further back, on any server. Writes JSON to argv[2].
import { readFileSync, writeFileSync } from "node:fs";
import { MatrixWorld, MemoryDriver } from "../../src/drivers/memory/index.js";
import { approveCapabilities, silentLogger, WidgetHost } from "../../src/host/index.js";
import { createMemoryTransportPair } from "../../src/transport/memory.js";
import { eventCapability, readRoomEvents } from "../../src/widget/features/events.js";
import { WidgetClient } from "../../src/widget/index.js";

/** The two room sizes compared. */
const SIZES = (process.env.BENCH_READ_SIZES ?? "1000,100000").split(",").map(Number);
const LIMIT = 10;
const RUNS = Number(process.env.BENCH_READ_RUNS ?? 7);
const WARMUP_RUNS = 2;
/** Each measured run uses about this much CPU time (calibrated for each room). */
const MIN_RUN_NS = 40e6;

const ME = "@me:example.org";
const PEER = "@peer:example.org";
const ROOM = "!history:example.org";
const TYPE = "m.room.message";

function threadCpuNs(): number {
  return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A world with one room of `size` timeline events (messages after the room's own creation events). */
function worldWithHistory(size: number): MatrixWorld {
  const world = new MatrixWorld({ ownUserId: ME });
  world.addUser({ userId: PEER, displayName: "Peer" });
  world.createRoom({ roomId: ROOM, creator: ME, name: "History", isPublic: true });
  world.join(ROOM, PEER);
  const existing = world.timeline(ROOM).length;
  for (let i = existing; i < size; i++) {
    world.sendEvent(ROOM, i % 2 ? PEER : ME, {
      type: TYPE,
      content: { msgtype: "m.text", body: `message ${i}` },
    });
  }
  return world;
}

interface Setup {
  size: number;
  /** One read through the whole path; resolves when the widget has the events. */
  viaHost: () => Promise<unknown>;
  /** One read of the driver alone. */
  viaDriver: () => Promise<unknown>;
  close: () => void;
}

async function setup(size: number): Promise<Setup> {
  const world = worldWithHistory(size);
  const driver = new MemoryDriver(world);
  const pair = createMemoryTransportPair({ sentLog: 0 });
  const host = new WidgetHost({
    widgetId: "read-bench",
    transport: pair.host,
    driver,
    policy: approveCapabilities("all-requested"),
    logger: silentLogger,
    viewedRoomId: ROOM,
  });
  const created = WidgetClient.create({
    widgetId: "read-bench",
    transport: pair.widget,
    logger: silentLogger,
    capabilities: [eventCapability("receive", TYPE)],
  });
  host.start();
  const client = await created;
  const check = (events: readonly unknown[]): void => {
    if (events.length !== LIMIT) throw new Error(`read ${events.length} events, expected ${LIMIT}`);
  };
  return {
    size,
    viaHost: () => readRoomEvents(client, TYPE, { limit: LIMIT }).then(check),
    viaDriver: () => driver.readRoomEvents({ roomId: ROOM, eventType: TYPE, limit: LIMIT }).then(check),
    close: () => {
      client.destroy();
      host.destroy();
      // The driver logs every call; a long run would otherwise keep them all.
      driver.calls.length = 0;
    },
  };
}

async function timeCalls(call: () => Promise<unknown>, n: number): Promise<number> {
  const started = threadCpuNs();
  for (let i = 0; i < n; i++) await call();
  return threadCpuNs() - started;
}

/** How many calls of `call` use about MIN_RUN_NS of CPU (also a warm-up). */
async function calibrate(call: () => Promise<unknown>): Promise<number> {
  let n = 16;
  for (;;) {
    const elapsed = await timeCalls(call, n);
    if (elapsed >= MIN_RUN_NS / 4 || n >= 1 << 20) return Math.max(1, Math.ceil((n * MIN_RUN_NS) / elapsed));
    n *= 4;
  }
}

export interface ReadEventsSize {
  /** Events in the room. */
  events: number;
  /** Microseconds of CPU per read through client, host and driver (median). */
  hostMicros: number;
  /** Microseconds of CPU per read of the driver alone (median). */
  driverMicros: number;
  hostRuns: number[];
  driverRuns: number[];
}

export interface ReadEventsResult {
  limit: number;
  runs: number;
  sizes: ReadEventsSize[];
}

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error("usage: read-events <output.json>");
  const setups: Setup[] = [];
  for (const size of SIZES) setups.push(await setup(size));
  // Calibrated for each room: a read that grows with history then costs fewer calls per run,
  // not a run that takes minutes.
  const hostCalls: number[] = [];
  const driverCalls: number[] = [];
  for (const s of setups) {
    hostCalls.push(await calibrate(s.viaHost));
    driverCalls.push(await calibrate(s.viaDriver));
  }
  const hostRuns = setups.map((): number[] => []);
  const driverRuns = setups.map((): number[] => []);
  for (let run = 0; run < WARMUP_RUNS + RUNS; run++) {
    for (const [i, s] of setups.entries()) {
      const host = await timeCalls(s.viaHost, hostCalls[i]!);
      const driver = await timeCalls(s.viaDriver, driverCalls[i]!);
      if (run >= WARMUP_RUNS) {
        hostRuns[i]!.push(host / hostCalls[i]! / 1000);
        driverRuns[i]!.push(driver / driverCalls[i]! / 1000);
      }
    }
  }
  for (const s of setups) s.close();
  const result: ReadEventsResult = {
    limit: LIMIT,
    runs: RUNS,
    sizes: setups.map((s, i) => ({
      events: s.size,
      hostMicros: median(hostRuns[i]!),
      driverMicros: median(driverRuns[i]!),
      hostRuns: hostRuns[i]!,
      driverRuns: driverRuns[i]!,
    })),
  };
  for (const row of result.sizes) {
    process.stderr.write(
      `[bench] read_events limit ${LIMIT}, ${row.events} events: ${row.hostMicros.toFixed(1)} µs through the host, ` +
        `${row.driverMicros.toFixed(1)} µs in the driver\n`,
    );
  }
  writeFileSync(out, JSON.stringify(result, null, 2));
}

await main();
