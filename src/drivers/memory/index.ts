/**
 * `matrix-widget-kit/drivers/memory`: an in-memory Matrix world and a `WidgetDriver` over
 * it. The playground's default back end, and a test kit for widget and host authors: no network,
 * deterministic IDs and timestamps, a call log and fault injection.
 *
 * @example
 * ```ts
 * const world = new MatrixWorld({ ownUserId: "@me:example.org" });
 * world.addUser({ userId: "@alice:example.org", displayName: "Alice" });
 * const driver = new MemoryDriver(world);
 * await driver.searchUserDirectory("ali", 5); // { limited: false, results: [{ userId: "@alice:…", … }] }
 * ```
 *
 * @module matrix-widget-kit/drivers/memory
 */

export {
  MatrixWorld,
  MAX_STICKY_DURATION_MS,
  createSteppingClock,
  type CreateRoomOptions,
  type EventDraft,
  type EventReadOptions,
  type EventUnsigned,
  type MatrixEvent,
  type MatrixWorldOptions,
  type Membership,
  type PeekableClock,
  type ProfileUpdate,
  type RoomSummary,
  type WorldChangeKind,
  type WorldChanges,
  type WorldListener,
  type WorldSnapshot,
  type WorldUser,
} from "./world.js";
export {
  MemoryDriver,
  type DriverCall,
  type InjectedFailure,
  type MemoryDriverOperation,
  type MemoryDriverOptions,
  type ResolvedNavigationTarget,
} from "./driver.js";
export {
  DelayedEvents,
  MAX_EVENT_DELAY_MS,
  MIN_DELEGATED_DELAY_MS,
  type DelayedEventHost,
  type DelayedEventInfo,
} from "./delayed.js";
export { seedDemoWorld, DEMO_GENERATED_USERS, DEMO_OWN_USER_ID, DEMO_START_TIME } from "./seed.js";
export { DEFAULT_DIRECTORY_LIMIT, MAX_DIRECTORY_LIMIT } from "./directory.js";
export type { JsonContent } from "./json.js";
export type { RoomPreset, RoomVersion } from "./power-levels.js";
