// The matrix-js-sdk driver's live room-event feed (watchLiveRoomEvents) against a stand-in client:
// the homeserver suite's clients have no crypto, so the encrypted paths are driven here.
import { EventEmitter } from "node:events";
import type { MatrixClient } from "matrix-js-sdk";
import { describe, expect, it } from "vitest";
import { watchLiveRoomEvents } from "../../../../src/drivers/matrix-js-sdk/events.js";

/** An encrypted event as the SDK holds it: decrypting, failed, or decrypted. */
class StandInEvent extends EventEmitter {
  status: string | null = null;
  constructor(
    private readonly id: string,
    public decryption: "pending" | "failed" | "done",
  ) {
    super();
  }
  getId(): string {
    return this.id;
  }
  isBeingDecrypted(): boolean {
    return this.decryption === "pending";
  }
  isDecryptionFailure(): boolean {
    return this.decryption === "failed";
  }
}

function feed() {
  const client = new EventEmitter();
  const delivered: string[] = [];
  const stop = watchLiveRoomEvents(client as unknown as MatrixClient, (event) => {
    delivered.push(event.getId() ?? "");
  });
  const arrive = (event: StandInEvent) =>
    client.emit("Room.timeline", event, undefined, false, false, { liveEvent: true });
  /** A decryption attempt ends: the event signals it, and the client re-emits it, as the SDK does. */
  const decrypted = (event: StandInEvent, outcome: "failed" | "done") => {
    event.decryption = outcome;
    event.emit("Event.decrypted", event);
    client.emit("Event.decrypted", event);
  };
  return { client, delivered, stop, arrive, decrypted };
}

describe("the matrix-js-sdk driver's live event feed, encrypted events", () => {
  it("delivers an event that failed to decrypt once a later attempt succeeds (a late room key), once", () => {
    const { delivered, arrive, decrypted } = feed();
    const late = new StandInEvent("$late", "failed");
    arrive(late);
    expect(delivered).toEqual([]);
    decrypted(late, "failed");
    expect(delivered).toEqual([]);
    decrypted(late, "done");
    decrypted(late, "done");
    expect(delivered).toEqual(["$late"]);
  });

  it("delivers an event still being decrypted when it arrives once its decryption succeeds, once", () => {
    const { delivered, arrive, decrypted } = feed();
    const pending = new StandInEvent("$pending", "pending");
    arrive(pending);
    expect(delivered).toEqual([]);
    decrypted(pending, "done");
    expect(delivered).toEqual(["$pending"]);
  });

  it("delivers an event whose decryption the client alone reports (the event's own signal missing)", () => {
    const { client, delivered, arrive } = feed();
    const pending = new StandInEvent("$quiet", "pending");
    arrive(pending);
    pending.decryption = "done";
    client.emit("Event.decrypted", pending);
    expect(delivered).toEqual(["$quiet"]);
  });

  it("never delivers an event that stays undecryptable, one that never arrived live, or anything after stop", () => {
    const { delivered, arrive, decrypted, stop, client } = feed();
    const never = new StandInEvent("$never", "failed");
    arrive(never);
    decrypted(never, "failed");
    // Decrypted, but never offered by the live timeline (history, another client's event).
    decrypted(new StandInEvent("$history", "failed"), "done");
    const afterStop = new StandInEvent("$after", "failed");
    arrive(afterStop);
    stop();
    decrypted(afterStop, "done");
    expect(delivered).toEqual([]);
    expect(client.listenerCount("Event.decrypted")).toBe(0);
  });

  it("delivers a decrypted event at once, and a duplicate of it not again", () => {
    const { delivered, arrive } = feed();
    const clear = new StandInEvent("$clear", "done");
    arrive(clear);
    arrive(clear);
    expect(delivered).toEqual(["$clear"]);
  });
});
