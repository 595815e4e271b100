// Growth figure: capability filtering stays O(1) in the number of grants. In Node, no browser.
// Checks a fixed stream of room and state events against 1, 50 and 500 grants, with our
// CapabilitySet.allowsEvent and with matrix-widget-api's own check. matrix-widget-api parses the
// grants once, when they are approved (ClientWidgetApi.allowCapabilities calls
// WidgetEventCapability.findEventCapabilities), and then, for every event, feedEvent runs
// canReceiveStateEvent / canReceiveRoomEvent, which is `allowedEvents.some(cap =>
// cap.matchesAsStateEvent / matchesAsRoomEvent(...))`. That per-event loop is replicated below on
// the WidgetEventCapability objects findEventCapabilities returns.
// Writes JSON to the path in argv[2].
import { readFileSync, writeFileSync } from "node:fs";
import { EventDirection, WidgetEventCapability } from "matrix-widget-api";
import { CapabilitySet } from "../../src/capabilities/index.js";

const GRANT_COUNTS = [1, 50, 500] as const;
const RUNS = Number(process.env.BENCH_FILTER_RUNS ?? 9);
const WARMUP_RUNS = 3;
/** Each measured run uses at least this much CPU time. */
const MIN_RUN_NS = 40e6;

interface BenchEvent {
  type: string;
  room_id: string;
  sender: string;
  event_id: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  state_key?: string;
}

/**
 * `count` receive grants in the unstable spellings matrix-widget-api parses (ours reads both). The
 * first allows m.text messages; the rest cycle through room events, state events with a key, state
 * events for any key, and (send-direction) grants that a receive check must skip.
 */
function grants(count: number): string[] {
  const list = ["org.matrix.msc2762.receive.event:m.room.message#m.text"];
  for (let i = 1; list.length < count; i++) {
    switch (i % 4) {
      case 0:
        list.push(`org.matrix.msc2762.receive.event:org.example.event.${i}`);
        break;
      case 1:
        list.push(`org.matrix.msc2762.receive.state_event:org.example.state.${i}#@user${i}:example.org`);
        break;
      case 2:
        list.push(`org.matrix.msc2762.receive.state_event:org.example.anystate.${i}`);
        break;
      default:
        list.push(`org.matrix.msc2762.send.event:org.example.sent.${i}`);
    }
  }
  return list;
}

/**
 * 1024 events, the same for every grant count: messages (allowed and not), state events, and
 * events of types granted near the start, the middle and the end of the 500-grant list, or never.
 */
function events(): BenchEvent[] {
  const list: BenchEvent[] = [];
  let seed = 12345;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; list.length < 1024; i++) {
    const base = {
      room_id: "!room:example.org",
      sender: `@user${i % 7}:example.org`,
      event_id: `$event${i}`,
      origin_server_ts: 1_700_000_000_000 + i,
    };
    const k = random(500);
    switch (i % 8) {
      case 0:
        list.push({ ...base, type: "m.room.message", content: { msgtype: "m.text", body: "hi" } });
        break;
      case 1:
        list.push({ ...base, type: "m.room.message", content: { msgtype: "m.notice", body: "hi" } });
        break;
      case 2:
        list.push({
          ...base,
          type: "m.room.member",
          state_key: base.sender,
          content: { membership: "join" },
        });
        break;
      case 3:
        list.push({ ...base, type: `org.example.event.${k}`, content: { n: k } });
        break;
      case 4:
        list.push({
          ...base,
          type: `org.example.state.${k}`,
          state_key: `@user${k}:example.org`,
          content: {},
        });
        break;
      case 5:
        list.push({ ...base, type: `org.example.anystate.${k}`, state_key: "", content: {} });
        break;
      case 6:
        list.push({ ...base, type: "m.reaction", content: { "m.relates_to": { key: "👍" } } });
        break;
      default:
        list.push({ ...base, type: "m.room.topic", state_key: "", content: { topic: "t" } });
    }
  }
  return list;
}

// One loop per implementation, so each call site stays monomorphic.
function loopKit(set: CapabilitySet, stream: readonly BenchEvent[], iterations: number): number {
  let allowed = 0;
  for (let i = 0; i < iterations; i++) if (set.allowsEvent("receive", stream[i & 1023]!)) allowed++;
  return allowed;
}

function mwaAllows(allowedEvents: readonly WidgetEventCapability[], event: BenchEvent): boolean {
  if (event.state_key !== undefined && event.state_key !== null) {
    const stateKey = event.state_key;
    return allowedEvents.some((cap) => cap.matchesAsStateEvent(EventDirection.Receive, event.type, stateKey));
  }
  const msgtype = (event.content as { msgtype?: string })?.["msgtype"];
  return allowedEvents.some((cap) => cap.matchesAsRoomEvent(EventDirection.Receive, event.type, msgtype));
}

function loopMwa(
  caps: readonly WidgetEventCapability[],
  stream: readonly BenchEvent[],
  iterations: number,
): number {
  let allowed = 0;
  for (let i = 0; i < iterations; i++) if (mwaAllows(caps, stream[i & 1023]!)) allowed++;
  return allowed;
}

/**
 * CPU time of this thread in ns (/proc/thread-self/schedstat). Other engineers' jobs may share the
 * machine; CPU time, unlike wall time, does not count the time this thread waited for a CPU.
 */
function threadCpuNs(): number {
  return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One contender: a loop over the event stream, sized so one run uses about MIN_RUN_NS of CPU. */
interface Contender {
  loop: (iterations: number) => number;
  iterations: number;
  perCheck: number[];
  allowed: number;
}

function contender(loop: (iterations: number) => number): Contender {
  let iterations = 1024;
  // Calibrate (this also warms up).
  for (;;) {
    const started = threadCpuNs();
    loop(iterations);
    const elapsed = threadCpuNs() - started;
    if (elapsed >= MIN_RUN_NS / 4) {
      iterations = Math.ceil((iterations * MIN_RUN_NS) / elapsed);
      break;
    }
    iterations *= 4;
  }
  return { loop, iterations: Math.ceil(iterations / 1024) * 1024, perCheck: [], allowed: 0 };
}

/**
 * Runs every contender WARMUP_RUNS + RUNS times, round-robin, so a change of load on the machine
 * affects all of them alike; records CPU ns per check of the measured runs.
 */
function measureAll(contenders: readonly Contender[]): void {
  for (let run = 0; run < WARMUP_RUNS + RUNS; run++) {
    for (const c of contenders) {
      const started = threadCpuNs();
      c.allowed = c.loop(c.iterations);
      const elapsed = threadCpuNs() - started;
      if (run >= WARMUP_RUNS) c.perCheck.push(elapsed / c.iterations);
    }
  }
}

/** One contender at one grant count: the median, and each measured run (ns per check). */
export interface FilterFigure {
  nsPerCheck: number;
  eventsPerSecond: number;
  allowedShare: number;
  runs: number[];
}

export interface FilterResult {
  grants: number;
  kit: FilterFigure;
  mwa: FilterFigure;
}

function main(): void {
  const out = process.argv[2];
  if (!out) throw new Error("usage: capability-filter <output.json>");
  const stream = events();
  const setups = GRANT_COUNTS.map((count) => {
    const granted = grants(count);
    const set = CapabilitySet.from(granted);
    const caps = WidgetEventCapability.findEventCapabilities(granted);
    // Both must agree on every event, or the comparison is meaningless.
    for (const event of stream) {
      if (set.allowsEvent("receive", event) !== mwaAllows(caps, event)) {
        throw new Error(`the two checks disagree on ${JSON.stringify(event)} with ${count} grants`);
      }
    }
    return {
      count,
      kit: contender((n) => loopKit(set, stream, n)),
      mwa: contender((n) => loopMwa(caps, stream, n)),
    };
  });
  measureAll(setups.flatMap((setup) => [setup.kit, setup.mwa]));
  const summary = (c: Contender) => {
    const nsPerCheck = median(c.perCheck);
    return {
      nsPerCheck,
      eventsPerSecond: 1e9 / nsPerCheck,
      allowedShare: c.allowed / c.iterations,
      runs: c.perCheck,
    };
  };
  const results: FilterResult[] = setups.map((setup) => ({
    grants: setup.count,
    kit: summary(setup.kit),
    mwa: summary(setup.mwa),
  }));
  for (const row of results) {
    process.stderr.write(
      `[bench] filter ${row.grants} grants: ours ${row.kit.nsPerCheck.toFixed(1)} ns, ` +
        `mwa ${row.mwa.nsPerCheck.toFixed(1)} ns\n`,
    );
  }
  writeFileSync(out, JSON.stringify(results, null, 2));
}

main();
