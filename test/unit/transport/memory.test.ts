// The in-memory pair delivers like postMessage: a structured clone, each message as a task of its
// own, in order; and it tells how many messages are still on their way (the kit's settle() waits
// for that). See docs/decisions.md, "The memory transport delivers each message as a task".
import { describe, expect, it, vi } from "vitest";
import type { WireMessage } from "../../../src/protocol/envelope.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";

const message = (n: number): WireMessage => ({
  api: "fromWidget",
  widgetId: "w",
  requestId: `r${n}`,
  action: "com.example.a",
  data: { n },
});

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Node's own setImmediate, taken before any test fakes it. */
const realSetImmediate = setImmediate;
const realMacrotask = () => new Promise<void>((resolve) => realSetImmediate(resolve));

describe("the memory transport pair", () => {
  it("delivers each message as a task of its own: the promise reactions of one message run before the next arrives", async () => {
    const pair = createMemoryTransportPair();
    const seen: string[] = [];
    pair.host.subscribe((raw) => {
      const n = (raw as { data: { n: number } }).data.n;
      seen.push(`message ${n}`);
      void Promise.resolve().then(() => seen.push(`reaction to ${n}`));
    });
    pair.widget.send(message(1));
    pair.widget.send(message(2));
    expect(seen).toEqual([]);
    await nextMacrotask();
    await nextMacrotask();
    expect(seen).toEqual(["message 1", "reaction to 1", "message 2", "reaction to 2"]);
  });

  it("counts the messages on their way on the end that sent them, down to zero once they arrived", async () => {
    const pair = createMemoryTransportPair();
    const arrived: unknown[] = [];
    pair.host.subscribe((raw) => arrived.push(raw));
    pair.widget.send(message(1));
    pair.widget.send(message(2));
    expect(pair.widget.messagesInTransit).toBe(2);
    expect(pair.host.messagesInTransit).toBe(0);
    await nextMacrotask();
    await nextMacrotask();
    expect(arrived).toHaveLength(2);
    expect(pair.widget.messagesInTransit).toBe(0);
  });

  it("is not held back by fake timers a test installs after it loaded", async () => {
    const pair = createMemoryTransportPair();
    const arrived: unknown[] = [];
    pair.host.subscribe((raw) => arrived.push(raw));
    vi.useFakeTimers(); // fakes setImmediate too
    try {
      pair.widget.send(message(1));
      // Real macrotasks pass; the fake clock is never moved.
      await realMacrotask();
      await realMacrotask();
      expect(arrived).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
