import { afterEach, describe, expect, it } from "vitest";
import { PushQueue } from "../../../src/host/features/push-queue.js";
import type { WidgetHost } from "../../../src/host/widget-host.js";
import { DEFAULT_HOST_LIMITS } from "../../../src/host/limits.js";
import {
  eventCapability,
  onRoomEvent,
  onStateUpdate,
  stateCapability,
} from "../../../src/widget/features/events.js";
import { makeEvent, stateEvent } from "./fake-driver.js";
import { openClientSession, ROOM } from "./harness.js";

const hosts: WidgetHost[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) host.destroy();
});

describe("event feed under a burst", () => {
  it(
    "delivers every one of a synchronous burst larger than the host's pending bound, in order",
    { timeout: 30_000 },
    async () => {
      const count = DEFAULT_HOST_LIMITS.maxPending * 4;
      const s = await openClientSession({
        capabilities: [
          eventCapability("receive", "com.example.tick"),
          stateCapability("receive", "com.example.score"),
        ],
      });
      hosts.push(s.host);
      // Every reply the widget sends to the host's pushes, and those that are errors.
      let replies = 0;
      const errors: unknown[] = [];
      s.pair.host.subscribe((raw) => {
        const message = raw as { api?: string; response?: Record<string, unknown> };
        if (message.api !== "toWidget" || message.response === undefined) return;
        replies++;
        if ("error" in message.response) errors.push(message.response);
      });
      const seen: number[] = [];
      let states = 0;
      onRoomEvent(s.client, (event) => void seen.push((event.content as { n: number }).n));
      onStateUpdate(s.client, (events) => void (states += events.length));
      for (let n = 0; n < count; n++) {
        s.driver.emit(
          n % 10 === 9
            ? stateEvent(ROOM, "com.example.score", "", { n })
            : makeEvent({ room_id: ROOM, type: "com.example.tick", content: { n } }),
        );
      }
      await expect.poll(() => seen.length, { timeout: 10_000, interval: 10 }).toBe(count);
      expect(seen).toEqual(Array.from({ length: count }, (_, n) => n));
      await expect.poll(() => states, { timeout: 5_000, interval: 10 }).toBe(Math.floor(count / 10));
      await expect.poll(() => replies, { timeout: 5_000, interval: 10 }).toBe(count + Math.floor(count / 10));
      expect(errors).toEqual([]);
    },
  );
});

describe("PushQueue", () => {
  it("keeps at most maxInFlight pushes awaiting their ack and sends the rest in order as acks come", () => {
    const acks: Array<() => void> = [];
    const started: number[] = [];
    const queue = new PushQueue({ maxInFlight: 2, maxQueued: 10, onDrop: () => {} });
    for (let i = 0; i < 5; i++) {
      queue.push((done) => {
        started.push(i);
        acks.push(done);
      });
    }
    expect(started).toEqual([0, 1]);
    expect(queue.queued).toBe(3);
    acks.shift()?.();
    expect(started).toEqual([0, 1, 2]);
    acks.splice(0).forEach((ack) => ack());
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(queue.queued).toBe(0);
  });

  it("frees the slot of a push that throws (even undefined) before calling done, and goes on", () => {
    const started: string[] = [];
    const queue = new PushQueue({ maxInFlight: 1, maxQueued: 10, onDrop: () => {} });
    queue.push(() => {
      started.push("throws");
      throw undefined;
    });
    queue.push(() => {
      started.push("throws an object without a prototype");
      throw Object.create(null);
    });
    queue.push((done) => {
      started.push("works");
      done();
    });
    expect(started).toEqual(["throws", "throws an object without a prototype", "works"]);
  });

  it("frees one slot per push, however often its done is called or whatever it throws after", () => {
    const started: number[] = [];
    const holds: Array<() => void> = [];
    const queue = new PushQueue({ maxInFlight: 2, maxQueued: 10, onDrop: () => {} });
    queue.push((done) => {
      started.push(0);
      done();
      done();
      throw new Error("after done");
    });
    for (let i = 1; i < 5; i++) {
      queue.push((done) => {
        started.push(i);
        holds.push(done);
      });
    }
    // Push 0 freed its slot once: pushes 1 and 2 hold the two slots, 3 and 4 wait.
    expect(started).toEqual([0, 1, 2]);
    expect(queue.queued).toBe(2);
    holds[0]!();
    holds[0]!();
    expect(started).toEqual([0, 1, 2, 3]);
    expect(queue.queued).toBe(1);
  });

  it("runs a long queue of pushes that finish at once in a loop, not one stack frame each", () => {
    let release: () => void = () => {};
    let ran = 0;
    const count = 50_000;
    const queue = new PushQueue({ maxInFlight: 1, maxQueued: count, onDrop: () => {} });
    queue.push((done) => (release = done));
    for (let i = 0; i < count; i++) {
      queue.push((done) => {
        ran++;
        done();
      });
    }
    expect(() => release()).not.toThrow();
    expect(ran).toBe(count);
    expect(queue.queued).toBe(0);
  });

  it("drops the oldest waiting push past maxQueued, and nothing after close", () => {
    const started: number[] = [];
    let drops = 0;
    let ack: () => void = () => {};
    const queue = new PushQueue({ maxInFlight: 1, maxQueued: 2, onDrop: () => void drops++ });
    for (let i = 0; i < 5; i++) {
      queue.push((done) => {
        started.push(i);
        ack = done;
      });
    }
    expect(drops).toBe(2);
    ack();
    expect(started).toEqual([0, 3]);
    queue.close();
    queue.push((done) => {
      started.push(99);
      done();
    });
    ack();
    expect(started).toEqual([0, 3]);
  });
});
