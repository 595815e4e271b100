// The default playground world: the seeded in-memory MatrixWorld and a MemoryDriver over it.
import type { NavigationTarget } from "../../src/host/index.js";
import { MemoryDriver, seedDemoWorld, type MatrixWorld } from "../../src/drivers/memory/index.js";
import { lineText, type PlaygroundTarget, type PlaygroundWorld, type WorldChange } from "./world.js";

/** Creates the seeded demo world (the lobby is viewed). */
export function createMemoryWorld(): PlaygroundWorld {
  const world: MatrixWorld = seedDemoWorld();
  const driver = new MemoryDriver(world);
  const displayName = (userId: string) => world.getProfile(userId)?.displayName ?? userId;

  return {
    description: "in memory (seeded demo world)",
    ownUserId: world.ownUserId,
    ownDisplayName: () => displayName(world.ownUserId),
    joinedRooms: () => world.roomsOf(world.ownUserId, "join"),
    otherRooms() {
      const joined = new Set(world.roomsOf(world.ownUserId, "join"));
      return world.listRoomIds().filter((id) => !joined.has(id) && world.getRoom(id)?.isPublic);
    },
    roomName(roomId) {
      const room = world.getRoom(roomId);
      const named = room?.name ?? room?.canonicalAlias;
      if (named) return named;
      // A DM has no name: show the other people in it, as clients do.
      const others = [...(room?.joinedMembers ?? []), ...(room?.invitedMembers ?? [])].filter(
        (id) => id !== world.ownUserId,
      );
      return others.length ? others.map(displayName).join(", ") : roomId;
    },
    timeline: (roomId, limit) =>
      world
        .timeline(roomId)
        .slice(-limit)
        .map((event) => ({
          eventId: event.event_id,
          senderName: displayName(event.sender),
          text: lineText(event.type, event.content),
        })),
    get viewedRoomId() {
      return world.viewedRoomId;
    },
    get highlightedEventId() {
      return world.highlightedEventId;
    },
    view: (roomId, eventId) => world.view(roomId, eventId),
    onChange(listener: (change: WorldChange) => void) {
      const stops = [
        world.on("viewedRoom", () => listener({ kind: "viewed" })),
        world.on("membership", () => listener({ kind: "rooms" })),
        world.on("event", (event) => listener({ kind: "timeline", roomId: event.room_id })),
      ];
      return () => stops.forEach((stop) => stop());
    },
    driver,
    async resolveNavigationTarget(target: NavigationTarget): Promise<PlaygroundTarget> {
      const resolved = await driver.resolveNavigationTarget(target);
      return resolved.kind === "room"
        ? { kind: "room", roomId: resolved.roomId, joined: resolved.joined }
        : { kind: "user", userId: resolved.userId };
    },
    // The browser tests read the world through these (membership, listUsers, resolveAlias, …).
    exposed: { world, driver },
  };
}
