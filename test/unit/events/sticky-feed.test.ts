// MSC4407 m.receive.sticky_event: after the grant, the host pushes the sticky events the widget
// may see, read from the driver's readStickyEvents, as toWidget send_event.

import { afterEach, describe, expect, it } from "vitest";
import type { RoomEvent, WidgetDriver } from "../../../src/host/driver.js";
import type { WidgetHost } from "../../../src/host/widget-host.js";
import { FakeEventDriver, makeEvent } from "./fake-driver.js";
import {
  cap,
  eventually,
  openRawSession,
  OTHER,
  recordingLogger,
  ROOM,
  settle,
  THIRD,
  type EventSessionOptions,
  type RawSession,
} from "./harness.js";

const RECEIVE_STICKY = "org.matrix.msc4407.receive.sticky_event";
const MEMBER = "org.matrix.msc3401.call.member";

const hosts: WidgetHost[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) host.destroy();
});

const sticky = (room_id: string, type = MEMBER): RoomEvent => ({
  ...makeEvent({ room_id, type }),
  msc4354_sticky: { duration_ms: 3_600_000 },
});

type StickyDriver = FakeEventDriver & Pick<WidgetDriver, "readStickyEvents">;

/** A driver whose readStickyEvents answers from `byRoom` and records the rooms it was asked for. */
function stickyDriver(byRoom: Record<string, RoomEvent[]>) {
  const driver: StickyDriver = new FakeEventDriver();
  const asked: string[] = [];
  driver.readStickyEvents = (roomId: string) => {
    asked.push(roomId);
    return Promise.resolve(byRoom[roomId] ?? []);
  };
  return { driver, asked };
}

async function open(options: EventSessionOptions): Promise<RawSession> {
  const session = await openRawSession(options);
  hosts.push(session.host);
  return session;
}

const ids = (events: readonly unknown[]) => events.map((e) => (e as { event_id: string }).event_id);

describe("sticky events (MSC4407 m.receive.sticky_event)", () => {
  it("pushes the viewed room's sticky events the widget may receive after the grant, with their sticky field", async () => {
    const member = sticky(ROOM);
    const other = sticky(ROOM, "org.example.not.granted");
    const { driver, asked } = stickyDriver({ [ROOM]: [member, other] });
    const s = await open({ capabilities: [RECEIVE_STICKY, cap.receive(MEMBER)], driver });
    await eventually(() => expect(ids(s.widget.events)).toEqual([member.event_id]));
    expect(s.widget.events[0]).toEqual(member);
    expect(asked).toEqual([ROOM]);
  });

  it("pushes nothing and reads nothing without m.receive.sticky_event", async () => {
    const { driver, asked } = stickyDriver({ [ROOM]: [sticky(ROOM)] });
    const s = await open({ capabilities: [cap.receive(MEMBER)], driver });
    await settle(10);
    expect(asked).toEqual([]);
    expect(s.widget.events).toEqual([]);
  });

  it("reads the rooms of timeline capabilities too, and the new rooms a renegotiation adds, each once", async () => {
    const inOther = sticky(OTHER);
    const inThird = sticky(THIRD);
    const { driver, asked } = stickyDriver({ [OTHER]: [inOther], [THIRD]: [inThird] });
    const s = await open({
      capabilities: [RECEIVE_STICKY, cap.receive(MEMBER), cap.timeline(OTHER)],
      driver,
    });
    await eventually(() => expect(ids(s.widget.events)).toEqual([inOther.event_id]));
    await s.send("org.matrix.msc2974.request_capabilities", { capabilities: [cap.timeline(THIRD)] });
    await eventually(() => expect(ids(s.widget.events)).toEqual([inOther.event_id, inThird.event_id]));
    expect([...asked].sort()).toEqual([OTHER, ROOM, THIRD].sort());
  });

  it("pushes the sticky events a renegotiated receive capability newly allows, without repeating any", async () => {
    const member = sticky(ROOM);
    const other = sticky(ROOM, "org.example.other");
    const { driver, asked } = stickyDriver({ [ROOM]: [member, other] });
    const s = await open({ capabilities: [RECEIVE_STICKY, cap.receive(MEMBER)], driver });
    await eventually(() => expect(ids(s.widget.events)).toEqual([member.event_id]));
    await s.send("org.matrix.msc2974.request_capabilities", {
      capabilities: [cap.receive("org.example.other")],
    });
    await eventually(() => expect(ids(s.widget.events)).toEqual([member.event_id, other.event_id]));
    await settle(10);
    expect(ids(s.widget.events)).toEqual([member.event_id, other.event_id]);
    expect(asked).toEqual([ROOM, ROOM]);
  });

  it("pushes sticky events when a renegotiation first grants m.receive.sticky_event", async () => {
    const member = sticky(ROOM);
    const { driver } = stickyDriver({ [ROOM]: [member] });
    const s = await open({ capabilities: [cap.receive(MEMBER)], driver });
    await s.send("org.matrix.msc2974.request_capabilities", { capabilities: [RECEIVE_STICKY] });
    await eventually(() => expect(ids(s.widget.events)).toEqual([member.event_id]));
  });

  it("drops events of another room or of malformed shape, and logs a failed read without breaking", async () => {
    const good = sticky(ROOM);
    const logger = recordingLogger();
    const { driver } = stickyDriver({});
    // Junk around a good event, and a read that rejects with a value String() cannot format.
    driver.readStickyEvents = (roomId: string) =>
      roomId === OTHER
        ? Promise.reject(Object.create(null))
        : Promise.resolve([null, { type: MEMBER }, sticky(THIRD), good] as unknown as RoomEvent[]);
    const s = await open({
      capabilities: [RECEIVE_STICKY, cap.receive(MEMBER), cap.timeline(OTHER)],
      driver,
      logger,
    });
    await eventually(() => expect(ids(s.widget.events)).toEqual([good.event_id]));
    await eventually(() =>
      expect(logger.lines.some((line) => line.startsWith("warn: Reading sticky events"))).toBe(true),
    );
  });
});
