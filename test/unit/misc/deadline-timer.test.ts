// The deadline timer shared by outbound requests and driver calls (src/core/deadlines.ts): fires
// at the earliest deadline it was told of, never early, and stop() clears it with the platform's
// clearTimeout called as a browser requires (on the global object).
import { afterEach, describe, expect, it, vi } from "vitest";
import { clock, DeadlineTimer, sweepDue } from "../../../src/core/deadlines.js";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("DeadlineTimer", () => {
  it("stop() calls clearTimeout on the global object, as a browser's clearTimeout demands", () => {
    const realClear = globalThis.clearTimeout;
    const receivers: unknown[] = [];
    // A browser's clearTimeout throws "Illegal invocation" when called on any other object.
    vi.stubGlobal("clearTimeout", function (this: unknown, handle: ReturnType<typeof setTimeout>) {
      receivers.push(this);
      if (this !== undefined && this !== globalThis) throw new TypeError("Illegal invocation");
      realClear(handle);
    });
    const timer = new DeadlineTimer(() => Infinity);
    timer.watch(clock() + 60_000);
    expect(() => timer.stop()).not.toThrow();
    expect(receivers).toEqual([globalThis]);
  });

  it("fires once at the earliest deadline and re-arms for the next one the sweep names", () => {
    vi.useFakeTimers();
    const swept: number[] = [];
    const start = clock();
    const timer = new DeadlineTimer((now) => {
      swept.push(now - start);
      return swept.length === 1 ? start + 300 : Infinity;
    });
    timer.watch(start + 200);
    timer.watch(start + 100);
    vi.advanceTimersByTime(99);
    expect(swept).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(swept).toHaveLength(1);
    expect(swept[0]).toBeGreaterThanOrEqual(100);
    vi.advanceTimersByTime(200);
    expect(swept).toHaveLength(2);
    expect(swept[1]).toBeGreaterThanOrEqual(300);
    vi.advanceTimersByTime(10_000);
    expect(swept).toHaveLength(2);
    timer.stop();
  });
});

describe("sweepDue", () => {
  it("hands over every entry whose deadline is now or past, and returns the earliest deadline ahead", () => {
    const pending = new Map([
      ["a", { deadline: 5 }],
      ["b", { deadline: 10 }],
      ["c", { deadline: 12 }],
      ["d", { deadline: Infinity }],
      ["e", { deadline: 11 }],
    ]);
    const due: string[] = [];
    const next = sweepDue(pending, 10, (_entry, key) => {
      due.push(key);
      pending.delete(key);
    });
    expect(due).toEqual(["a", "b"]);
    expect(next).toBe(11);
    expect([...pending.keys()]).toEqual(["c", "d", "e"]);
  });

  it("reads a set the same way, and returns Infinity when nothing waits with a finite deadline", () => {
    const first = { deadline: 1 };
    const waiting = new Set([first, { deadline: Infinity }]);
    const due: unknown[] = [];
    expect(
      sweepDue(waiting, 1, (entry) => {
        due.push(entry);
        waiting.delete(entry);
      }),
    ).toBe(Infinity);
    expect(due).toEqual([first]);
    expect(sweepDue(new Set<{ deadline: number }>(), 0, () => {})).toBe(Infinity);
  });
});
