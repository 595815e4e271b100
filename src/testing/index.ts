/**
 * `matrix-widget-kit/testing`: runs a {@link WidgetClient} against a {@link WidgetHost} in one
 * process, on the in-memory Matrix world, with a scripted user who answers the host's prompts.
 * No browser, no network and no test framework: it works under vitest, `node --test`, or any
 * runner that can await a promise.
 *
 * @example
 * ```ts
 * const kit = await mountWidget({ capabilities: ["org.matrix.msc2931.navigate"] });
 * kit.user.answerNavigations(false);
 * await navigate(kit.client, "https://matrix.to/#/#lobby:example.org"); // rejects: refused
 * kit.destroy();
 * ```
 * @module matrix-widget-kit/testing
 */

import { nextTurn } from "../transport/next-task.js";
import { silentLogger, type Logger } from "../core/logger.js";
import type { DriverCall, MemoryDriverOptions } from "../drivers/memory/driver.js";
import { MemoryDriver } from "../drivers/memory/driver.js";
import type { JsonContent } from "../drivers/memory/json.js";
import { MatrixWorld, type EventDraft, type MatrixEvent } from "../drivers/memory/world.js";
import { updateLanguage, updateTheme } from "../host/features/ui.js";
import type { CapabilityRequest, HostPolicy, ShareDecision, ShareRequest } from "../host/policy.js";
import { WidgetHost, type WidgetHostOptions } from "../host/widget-host.js";
import type { NavigationTarget } from "../matrix/links.js";
import type { JsonObject } from "../protocol/envelope.js";
import { createMemoryTransportPair, type MemoryTransportPair } from "../transport/memory.js";
import { WidgetClient, type WidgetClientOptions } from "../widget/widget-client.js";

export { createMemoryTransportPair, MemoryTransport, type MemoryTransportPair } from "../transport/memory.js";
export { MemoryDriver, type DriverCall } from "../drivers/memory/driver.js";
export { MatrixWorld } from "../drivers/memory/world.js";

/** The signed-in user of the world {@link mountWidget} creates. */
export const TEST_OWN_USER_ID = "@me:example.org";
/** Another user of that world, joined to {@link TEST_ROOM_ID}; the default sender of pushed events. */
export const TEST_OTHER_USER_ID = "@alice:example.org";
/**
 * The room of that world the user is viewing. Shaped like a room ID of version 12, the version
 * Synapse makes by default: 43 characters of URL-safe base64 and no server name, so a widget that
 * looks for one in a room ID fails here as it would on a homeserver.
 */
export const TEST_ROOM_ID = "!room-of-the-widget-kit-test-world-version12";
/** The widget ID {@link mountWidget} uses unless told otherwise. */
export const TEST_WIDGET_ID = "test-widget";

/** How the scripted user answers capability prompts: everything asked, nothing, or only these. */
export type CapabilityAnswer = "all" | "none" | Iterable<string>;

/** How the scripted user answers share prompts: a decision, or the name of its action. */
export type ShareAnswer = ShareDecision | ShareDecision["action"];

/** One question the host put to the scripted user, in the order asked. */
export type UserPrompt =
  | { kind: "capabilities"; request: CapabilityRequest; answer: readonly string[] }
  | { kind: "share"; request: Omit<ShareRequest, "signal">; answer: ShareDecision }
  | { kind: "navigation"; target: NavigationTarget; answer: boolean };

/** A capability prompt the user is still thinking about; see {@link TestUser.nextPrompt}. */
export interface PendingCapabilityPrompt {
  /** Always `"capabilities"`; tells this prompt apart from the other kinds. */
  kind: "capabilities";
  /** What the host asks: the capabilities to decide on, those granted already, and if it renegotiates. */
  request: CapabilityRequest;
  /** Answers it; the host goes on. Only the first answer counts. */
  answer(answer: CapabilityAnswer): void;
}

/** A share prompt the user is still thinking about; see {@link TestUser.nextPrompt}. */
export interface PendingSharePrompt {
  /** Always `"share"`; tells this prompt apart from the other kinds. */
  kind: "share";
  /** What the host shows; its `signal` aborts if the widget's session ends first. */
  request: ShareRequest;
  /** Answers it; the host goes on. Only the first answer counts. */
  answer(answer: ShareAnswer): void;
}

/** A navigation the user is still thinking about; see {@link TestUser.nextPrompt}. */
export interface PendingNavigationPrompt {
  /** Always `"navigation"`; tells this prompt apart from the other kinds. */
  kind: "navigation";
  /** Where the widget asked to go: a user, a room or an event, as parsed from its link. */
  target: NavigationTarget;
  /** Confirms (`true`) or refuses it; the host goes on. Only the first answer counts. */
  answer(confirm: boolean): void;
}

/** The pending prompt of each kind. */
export interface PendingPrompts {
  /** What `nextPrompt("capabilities")` resolves with: a held capability prompt. */
  capabilities: PendingCapabilityPrompt;
  /** What `nextPrompt("share")` resolves with: a held share prompt (MSC3662). */
  share: PendingSharePrompt;
  /** What `nextPrompt("navigation")` resolves with: a held navigation prompt (MSC2931). */
  navigation: PendingNavigationPrompt;
}

/**
 * The user sitting in front of the host. Each answer stands until changed, so a test sets it
 * before the widget asks. Defaults: capabilities are all approved, shares are dismissed,
 * navigations are confirmed. To look at the widget while a prompt is open, use
 * {@link TestUser.nextPrompt}.
 */
export interface TestUser {
  /** Answers later capability prompts (initial ones and renegotiations) this way. */
  approveCapabilities(answer: CapabilityAnswer): void;
  /** Refuses every later capability prompt; the same as `approveCapabilities("none")`. */
  denyCapabilities(): void;
  /** Answers later share prompts (MSC3662) with this decision: `"invite"`, `"create_dm"`, `"dismiss"`, or a full one. */
  answerShares(answer: ShareAnswer): void;
  /** Confirms (`true`) or refuses (`false`) later navigations (MSC2931). */
  answerNavigations(confirm: boolean): void;
  /**
   * Holds the next prompt of this kind open instead of giving the standing answer: resolves with
   * it once the host asks, and the host waits until the test calls its `answer`. Call it before
   * the widget asks.
   */
  nextPrompt<K extends keyof PendingPrompts>(kind: K): Promise<PendingPrompts[K]>;
  /** Every prompt answered so far, oldest first, with the answer given. */
  readonly prompts: readonly UserPrompt[];
}

/** Options of {@link mountWidget}. Everything is optional. */
export interface MountOptions {
  /** Capabilities the widget requests at start. Default: none. */
  capabilities?: Iterable<string>;
  /** How the user answers the first capability prompt. Default `"all"`; see {@link TestUser}. */
  approve?: CapabilityAnswer;
  /**
   * The world to run on. Default: a fresh one with {@link TEST_OWN_USER_ID} (who created it) and
   * {@link TEST_OTHER_USER_ID} (a moderator, power level 50) joined to {@link TEST_ROOM_ID}, which
   * is viewed. The room is public and of version 12, with the power levels Synapse gives one: the
   * creator is not listed in them and has unlimited power; the moderator may set most state,
   * redact and invite, but not what Synapse keeps at 100 (power levels, history visibility,
   * encryption, server ACLs) or 150 (the tombstone).
   */
  world?: MatrixWorld;
  /** The room the user is viewing. Default: {@link TEST_ROOM_ID} with the default world, else none. */
  viewedRoomId?: string;
  /** Options of the {@link MemoryDriver} (latency, failures, OpenID). */
  driver?: MemoryDriverOptions;
  /** Policy hooks besides the user's answers (e.g. `allowSensitiveAccountData`); they win over them. */
  policy?: Partial<HostPolicy>;
  /** Further host options: limits, custom actions, features. */
  host?: Partial<Omit<WidgetHostOptions, "transport" | "driver" | "policy" | "widgetId">>;
  /** Further client options, e.g. `beforeStart` to register push listeners, or `timeoutMs`. */
  client?: Partial<Omit<WidgetClientOptions, "transport" | "widgetId" | "capabilities">>;
  /** The widget ID. Default {@link TEST_WIDGET_ID}. */
  widgetId?: string;
  /** Where host and client log. Default: nowhere, so test output stays clean. */
  logger?: Logger;
}

/** Where to put a pushed event; defaults are the viewed room and {@link TEST_OTHER_USER_ID}. */
export interface PushOptions {
  /** The room to send in. Default: the room the user is viewing. */
  roomId?: string;
  /** Who sends it; they must be joined. Default {@link TEST_OTHER_USER_ID}. */
  sender?: string;
}

/** A mounted widget: both sides, the world, the user, and helpers to drive them. */
export interface MountedWidget {
  /** The widget side, ready: its capability exchange has finished. */
  readonly client: WidgetClient;
  /** The host side, ready. */
  readonly host: WidgetHost;
  /** The in-memory Matrix client the host acts through. */
  readonly driver: MemoryDriver;
  /** The Matrix world behind the driver. */
  readonly world: MatrixWorld;
  /** The connected transports; `transports.widget.sent` and `transports.host.sent` show the wire. */
  readonly transports: MemoryTransportPair;
  /** The scripted user who answers the host's prompts. */
  readonly user: TestUser;
  /**
   * Driver operations since mount (optionally only those named `op`), oldest first: what the
   * widget's requests, and the test's pushes, made the host do. The host's own bookkeeping is not
   * among them: its room-event subscription (see {@link MemoryDriver.subscriptions}) and the calls
   * it made to set the session up ({@link setupDriverCalls}).
   */
  driverCalls(op?: string): DriverCall[];
  /** The driver operations since the last call of this method (or since mount), then forgets them. */
  takeDriverCalls(): DriverCall[];
  /**
   * The driver operations the host made while the session was set up, before mount resolved: for
   * example reading the current room state for the first `update_state` push, when the widget
   * may receive state.
   */
  readonly setupDriverCalls: readonly DriverCall[];
  /** Another user sends a room event (state too, with `state_key`); resolves once delivered. */
  sendRoomEvent(draft: EventDraft, options?: PushOptions): Promise<MatrixEvent>;
  /** Another user changes room state; resolves once the widget was told. */
  setRoomState(
    type: string,
    stateKey: string,
    content: JsonContent,
    options?: PushOptions,
  ): Promise<MatrixEvent>;
  /** The signed-in user's global account data changes; resolves once delivered. */
  setAccountData(type: string, content: JsonContent): Promise<void>;
  /** The host sends a theme change (MSC2873); resolves with whether the widget was told. */
  setTheme(theme: JsonObject): Promise<boolean>;
  /** The host sends a language change (MSC2873); resolves with whether the widget was told. */
  setLanguage(lang: string): Promise<boolean>;
  /** Resolves once no request is waiting on either side and the queues have drained (at most `timeoutMs`, default 2000). */
  settle(timeoutMs?: number): Promise<void>;
  /** Destroys client and host; leaves no timer or listener behind. */
  destroy(): void;
}

/** The world {@link mountWidget} uses by default. */
export function createTestWorld(): MatrixWorld {
  const world = new MatrixWorld({ ownUserId: TEST_OWN_USER_ID });
  world.addUser({ userId: TEST_OTHER_USER_ID, displayName: "Alice" });
  // Alice moderates, so that `setRoomState` and redactions sent as her pass the room's power levels,
  // and she may invite (public rooms need 50). What Synapse keeps at 100 or more (power levels,
  // history visibility, encryption, the tombstone…) only the signed-in user, the creator, may change.
  world.createRoom({
    roomId: TEST_ROOM_ID,
    creator: TEST_OWN_USER_ID,
    name: "Test room",
    isPublic: true,
    userPowerLevels: { [TEST_OTHER_USER_ID]: 50 },
  });
  world.join(TEST_ROOM_ID, TEST_OTHER_USER_ID);
  world.view(TEST_ROOM_ID);
  return world;
}

function shareDecisionOf(answer: ShareAnswer): ShareDecision {
  return typeof answer === "string" ? ({ action: answer } as ShareDecision) : answer;
}

class ScriptedUser implements TestUser {
  readonly prompts: UserPrompt[] = [];
  private capabilityAnswer: CapabilityAnswer;
  private shareAnswer: ShareDecision = { action: "dismiss" };
  private navigationAnswer = true;

  constructor(initial: CapabilityAnswer) {
    this.capabilityAnswer = initial;
  }

  approveCapabilities(answer: CapabilityAnswer): void {
    // A one-shot iterable (a generator) must serve every later prompt, so keep a copy.
    this.capabilityAnswer = answer === "all" || answer === "none" ? answer : [...answer];
  }

  denyCapabilities(): void {
    this.capabilityAnswer = "none";
  }

  answerShares(answer: ShareAnswer): void {
    this.shareAnswer = shareDecisionOf(answer);
  }

  answerNavigations(confirm: boolean): void {
    this.navigationAnswer = confirm;
  }

  private readonly waiting: { [K in keyof PendingPrompts]: Array<(prompt: PendingPrompts[K]) => void> } = {
    capabilities: [],
    share: [],
    navigation: [],
  };

  nextPrompt<K extends keyof PendingPrompts>(kind: K): Promise<PendingPrompts[K]> {
    return new Promise((resolve) => this.waiting[kind].push(resolve));
  }

  /** Hands the prompt to a test waiting for one of its kind, and resolves with the answer it gives. */
  private held<K extends keyof PendingPrompts, A>(
    kind: K,
    build: (answer: (value: A) => void) => PendingPrompts[K],
  ): Promise<A> | undefined {
    const waiter = this.waiting[kind].shift() as ((prompt: PendingPrompts[K]) => void) | undefined;
    if (waiter === undefined) return undefined;
    return new Promise<A>((resolve) => {
      let answered = false;
      waiter(
        build((value) => {
          if (answered) return;
          answered = true;
          resolve(value);
        }),
      );
    });
  }

  private grant(request: CapabilityRequest, answer: CapabilityAnswer): string[] {
    const allowed = answer === "all" ? undefined : new Set(answer === "none" ? [] : answer);
    const granted = request.requested.filter((capability) => !allowed || allowed.has(capability));
    this.prompts.push({ kind: "capabilities", request, answer: granted });
    return granted;
  }

  private share(request: ShareRequest, answer: ShareAnswer): ShareDecision {
    const decision = shareDecisionOf(answer);
    const { signal: _signal, ...shown } = request;
    this.prompts.push({ kind: "share", request: shown, answer: decision });
    return decision;
  }

  private navigate(target: NavigationTarget, confirm: boolean): boolean {
    this.prompts.push({ kind: "navigation", target, answer: confirm });
    return confirm;
  }

  policy(): HostPolicy {
    return {
      approveCapabilities: (request) => {
        const held = this.held<"capabilities", CapabilityAnswer>("capabilities", (answer) => ({
          kind: "capabilities",
          request,
          answer,
        }));
        if (held) return held.then((answer) => this.grant(request, answer));
        return this.grant(request, this.capabilityAnswer);
      },
      confirmShare: (request) => {
        const held = this.held<"share", ShareAnswer>("share", (answer) => ({
          kind: "share",
          request,
          answer,
        }));
        if (held) return held.then((answer) => this.share(request, answer));
        return this.share(request, this.shareAnswer);
      },
      allowNavigation: (target) => {
        const held = this.held<"navigation", boolean>("navigation", (answer) => ({
          kind: "navigation",
          target,
          answer,
        }));
        if (held) return held.then((confirm) => this.navigate(target, confirm));
        return this.navigate(target, this.navigationAnswer);
      },
    };
  }
}

// Taken when the module loads, as the memory transport takes its scheduler: a test that installs
// fake timers afterwards must not stall the kit's own waiting (fake timers replace both).
const realNow = Date.now;
const tick = () => new Promise<void>((resolve) => nextTurn(resolve));

/**
 * Mounts a widget client against a host on the in-memory world and resolves once the capability
 * exchange is done. The user approves what `approve` says (default: everything requested).
 */
export async function mountWidget(options: MountOptions = {}): Promise<MountedWidget> {
  const defaultWorld = options.world === undefined;
  const world = options.world ?? createTestWorld();
  const driver = new MemoryDriver(world, options.driver);
  const transports = createMemoryTransportPair();
  const user = new ScriptedUser(options.approve ?? "all");
  const widgetId = options.widgetId ?? TEST_WIDGET_ID;
  const logger = options.logger ?? silentLogger;
  const viewedRoomId = options.viewedRoomId ?? (defaultWorld ? TEST_ROOM_ID : undefined);

  const host = new WidgetHost({
    logger,
    ...options.host,
    ...(viewedRoomId === undefined ? {} : { viewedRoomId }),
    widgetId,
    transport: transports.host,
    driver,
    policy: { ...user.policy(), ...options.policy },
  });
  let client: WidgetClient;
  try {
    const created = WidgetClient.create({
      logger,
      ...options.client,
      widgetId,
      transport: transports.widget,
      capabilities: [...(options.capabilities ?? [])],
    });
    // The memory transport has no frame: this stands for the iframe's load event.
    host.start();
    client = await created;
  } catch (error) {
    host.destroy();
    throw error;
  }

  const settle = async (timeoutMs = 2000): Promise<void> => {
    const deadline = realNow() + timeoutMs;
    // Two quiet turns in a row: a reply can start a follow-up push on the next turn.
    let quiet = 0;
    while (quiet < 2 && realNow() < deadline) {
      await tick();
      // A reply on its way is waited for by no request: the pair's own count says so.
      const idle =
        host.pendingRequestCount === 0 &&
        client.pendingRequestCount === 0 &&
        transports.host.messagesInTransit === 0 &&
        transports.widget.messagesInTransit === 0;
      quiet = idle ? quiet + 1 : 0;
    }
  };
  // Let the pushes that follow the grant (the first update_state) finish, so that what the host
  // did to set the session up is told apart from what the test causes afterwards.
  await settle();
  const setupCount = driver.calls.length;
  let taken = setupCount;
  const roomOf = (push: PushOptions | undefined): string => {
    const roomId = push?.roomId ?? host.viewedRoomId;
    if (roomId === undefined) throw new TypeError("No room to send to: pass roomId, or view a room");
    return roomId;
  };

  return {
    client,
    host,
    driver,
    world,
    transports,
    user,
    setupDriverCalls: driver.calls.slice(0, setupCount),
    driverCalls: (op) => driver.calls.slice(setupCount).filter((call) => op === undefined || call.op === op),
    takeDriverCalls: () => {
      const fresh = driver.calls.slice(taken);
      taken = driver.calls.length;
      return fresh;
    },
    async sendRoomEvent(draft, push) {
      const event = world.sendEvent(roomOf(push), push?.sender ?? TEST_OTHER_USER_ID, draft);
      await settle();
      return event;
    },
    async setRoomState(type, stateKey, content, push) {
      const event = world.sendEvent(roomOf(push), push?.sender ?? TEST_OTHER_USER_ID, {
        type,
        state_key: stateKey,
        content,
      });
      await settle();
      return event;
    },
    async setAccountData(type, content) {
      world.setAccountData(world.ownUserId, type, content);
      await settle();
    },
    setTheme: (theme) => updateTheme(host, theme),
    setLanguage: (lang) => updateLanguage(host, lang),
    settle,
    destroy() {
      client.destroy();
      host.destroy();
      // A world the kit made is the kit's: its delayed events go with it. A world the test passed
      // in keeps them, as a homeserver keeps a widget's delayed events after the widget closes.
      if (defaultWorld) world.delayedEvents.clear();
    },
  };
}
