// What the playground's page needs from "a Matrix account": the rooms to list, a timeline to show,
// the room being viewed, and the driver that widgets act through. Two worlds implement it: the
// seeded in-memory one (world-memory.ts) and a real homeserver account through matrix-js-sdk
// (world-matrix.ts). The page (main.ts) only ever talks to this interface.
import type { NavigationTarget, WidgetDriver } from "../../src/host/index.js";

/** How many timeline lines the page shows for the viewed room. */
export const TIMELINE_LINES = 12;

/** One line of a room's timeline, ready to show. */
export interface TimelineLine {
  eventId: string;
  /** The sender's display name in the room, else their user ID. */
  senderName: string;
  /** The message body, or the event type for events without one. */
  text: string;
}

/** Where a navigation target leads: enough for the page to ask "a room you are not in — go?". */
export type PlaygroundTarget =
  { kind: "room"; roomId: string; joined: boolean } | { kind: "user"; userId: string };

/** What changed: the room list, the viewed room (or highlighted event), or a room's timeline. */
export type WorldChange = { kind: "rooms" } | { kind: "viewed" } | { kind: "timeline"; roomId: string };

/** The Matrix account the playground shows and its widgets act for. */
export interface PlaygroundWorld {
  /** For the page and the start script: "in memory …" or "<homeserver> as <user>". */
  readonly description: string;
  readonly ownUserId: string;
  /** The signed-in user's display name, else their user ID. */
  ownDisplayName(): string;
  /** Rooms the user is joined to, in the order to list them. */
  joinedRooms(): string[];
  /** Other rooms worth listing (public rooms the user is not in), when cheaply known. */
  otherRooms(): string[];
  /** A room's name as a client shows it (direct messages are named after the other people). */
  roomName(roomId: string): string;
  /** The last `limit` timeline lines of a room, oldest first. */
  timeline(roomId: string, limit: number): TimelineLine[];
  readonly viewedRoomId: string | undefined;
  /** The event a navigation asked to highlight in the viewed room, if any. */
  readonly highlightedEventId: string | undefined;
  /** Shows a room, optionally highlighting one of its events. */
  view(roomId: string, eventId?: string): void;
  /** Calls `listener` on every change the page should redraw for; returns the unsubscribe. */
  onChange(listener: (change: WorldChange) => void): () => void;
  /** The driver the widget hosts use. */
  readonly driver: WidgetDriver;
  /** Where a navigation target leads, without going there. */
  resolveNavigationTarget(target: NavigationTarget): Promise<PlaygroundTarget>;
  /** What the page puts on `window.playground` (next to `host`) for tests and the console. */
  readonly exposed: Record<string, unknown>;
}

/** The text a timeline line shows for an event's content: its body, else its type. */
export function lineText(type: string, content: Record<string, unknown>): string {
  return typeof content.body === "string" ? content.body : type;
}
