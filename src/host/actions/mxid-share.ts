import { formatCapability } from "../../capabilities/index.js";
import { describeThrown } from "../../core/describe.js";
import { isValidRoomId, isValidUserId } from "../../matrix/identifiers.js";
import { mxidShare, shareRequestSchema, type SharedUser } from "../../protocol/actions/mxid-share.js";
import { ErrorCode, WidgetApiError } from "../../protocol/errors.js";
import { callDriver } from "../call-driver.js";
import type { ResolvedSharedUser, ShareDecision, ShareHint, ShareOutcome } from "../policy.js";
import { defineHostAction, type HostActionContext } from "../registry.js";
import { holdQuestion, refuseWhileAsking } from "./misc/shared.js";

/** The share prompt's kind of question: one per widget at a time, as navigation and modals. */
const SHARE_PROMPT = "showing a share prompt";

/** The request schema with the full Matrix user-ID grammar, which widget bundles do not carry. */
const strictShareRequest = shareRequestSchema((id) => isValidUserId(id));

/**
 * MSC3662 mxid share. The request is validated whole (an empty list or any invalid user ID gets an
 * error reply and nothing else happens), acknowledged at once, and then shown to the user with the
 * real profiles. Nothing is done without the user's decision, and only one prompt per widget is
 * open at a time. No capability is needed (MSC3662 names none) unless the policy sets
 * `requireShareCapability`.
 */
export const mxidShareHandler = defineHostAction({
  action: mxidShare,
  strictRequest: strictShareRequest,
  // Optional: grantable (for widgets that ask for it) only while the host can share at all.
  servesCapability: "mxid_share",
  available: (driver, policy) =>
    typeof policy.confirmShare === "function" &&
    (typeof driver.inviteUsers === "function" || typeof driver.createDirectMessage === "function"),
  handle(context, { users, action_hint }) {
    const { policy } = context;
    const { driver } = context;
    if (!policy.confirmShare || (!driver.inviteUsers && !driver.createDirectMessage)) {
      throw new WidgetApiError("This client cannot show share prompts", ErrorCode.Unsupported);
    }
    if (policy.requireShareCapability === true && !context.capabilities.hasFixed("mxid_share")) {
      throw new WidgetApiError(
        `Missing capability ${formatCapability({ kind: "fixed", name: "mxid_share" }, "unstable")} for ${context.actionName}: this client requires it`,
        ErrorCode.MissingCapability,
      );
    }
    refuseWhileAsking(context, SHARE_PROMPT, "A share prompt from this widget is already open");
    context.rateLimit("sharePrompt", context.limits.sharePrompt);
    // The slot is released however the prompt ends, even if a logger throws inside it.
    const release = holdQuestion(context, SHARE_PROMPT);
    runPrompt(context, dedupe(users), action_hint ?? undefined).then(release, release);
    return {};
  },
});

function classifyHint(hint: string | undefined): ShareHint {
  if (hint === undefined) return "none";
  if (hint === "invite" || hint === "create_room") return hint;
  return "other";
}

function dedupe(users: readonly SharedUser[]): SharedUser[] {
  const seen = new Map<string, SharedUser>();
  for (const user of users) if (!seen.has(user.user_id)) seen.set(user.user_id, user);
  return [...seen.values()];
}

async function resolveProfile(context: HostActionContext, user: SharedUser): Promise<ResolvedSharedUser> {
  const claimed: ResolvedSharedUser["claimed"] = {};
  if (user.display_name) claimed.displayName = user.display_name;
  if (user.avatar_url) claimed.avatarUrl = user.avatar_url;
  try {
    const profile = await callDriver(context, "looking up a profile", (driver) =>
      driver.getProfile?.(user.user_id),
    );
    const resolved: ResolvedSharedUser = { userId: user.user_id, verified: true, claimed };
    if (typeof profile?.displayName === "string") resolved.displayName = profile.displayName;
    if (typeof profile?.avatarUrl === "string") resolved.avatarUrl = profile.avatarUrl;
    return resolved;
  } catch {
    // The lookup failed (unknown user, bridge ghost, homeserver down): fall back to the widget's
    // decoration, marked unverified so the prompt can say so.
    return { userId: user.user_id, verified: false, claimed, ...claimed };
  }
}

async function runPrompt(
  context: HostActionContext,
  users: SharedUser[],
  rawHint: string | undefined,
): Promise<void> {
  const { session, policy, logger } = context;
  const controller = new AbortController();
  session.onEnd(() => controller.abort());
  try {
    const resolved = await Promise.all(users.map((user) => resolveProfile(context, user)));
    if (session.ended || !policy.confirmShare) return;
    const request = {
      widget: context.widget,
      users: resolved,
      hint: classifyHint(rawHint),
      signal: controller.signal,
      ...(rawHint !== undefined ? { rawHint } : {}),
      ...(context.viewedRoomId !== undefined ? { viewedRoomId: context.viewedRoomId } : {}),
    };
    const answer: unknown = await policy.confirmShare(request);
    if (session.ended) {
      logger.warn("A share decision arrived after the widget's session ended; nothing was done");
      finish(context, { widget: context.widget, error: "The widget's session ended before the decision" });
      return;
    }
    const decision = readDecision(answer);
    if (!decision) {
      logger.warn("The share prompt returned something that is not a valid share decision; nothing was done");
      finish(context, {
        widget: context.widget,
        error:
          'The prompt returned something that is not a valid share decision (expected "invite", "create_dm" or "dismiss")',
      });
      return;
    }
    await carryOut(
      context,
      decision,
      users.map((user) => user.user_id),
    );
    finish(context, { widget: context.widget, decision });
  } catch (error) {
    // Prompts and drivers may throw anything, even values whose String() throws.
    const message = describeThrown(error);
    logger.error(`mxid share failed: ${message}`);
    finish(context, { widget: context.widget, error: message });
  }
}

/** Tells the policy how a share ended; a throwing `shareFinished` is logged, never propagated. */
function finish(context: HostActionContext, outcome: ShareOutcome): void {
  try {
    context.policy.shareFinished?.(outcome);
  } catch (error) {
    context.logger.error(`The policy's shareFinished hook threw: ${describeThrown(error)}`);
  }
}

/**
 * Reads the prompt's answer into a fresh decision, or `undefined` when it is not one. Only the
 * exact actions act; a misspelt, missing or foreign action (`{}`, `cancel`, the hint
 * `create_room`) must never fall through to acting. Each field is read once, so a getter cannot
 * answer differently to the check and to the use.
 */
function readDecision(answer: unknown): ShareDecision | undefined {
  try {
    if (typeof answer !== "object" || answer === null) return undefined;
    const { action, roomId, userIds } = answer as Record<string, unknown>;
    if (action === "dismiss") return { action };
    if (action !== "invite" && action !== "create_dm") return undefined;
    let chosen: string[] | undefined;
    if (userIds !== undefined) {
      if (!Array.isArray(userIds) || !userIds.every((id): id is string => typeof id === "string"))
        return undefined;
      chosen = [...userIds];
    }
    if (action === "create_dm") return chosen ? { action, userIds: chosen } : { action };
    if (roomId !== undefined && !isValidRoomId(roomId)) return undefined;
    return {
      action,
      ...(typeof roomId === "string" ? { roomId } : {}),
      ...(chosen ? { userIds: chosen } : {}),
    };
  } catch {
    return undefined;
  }
}

async function carryOut(
  context: HostActionContext,
  decision: ShareDecision,
  shared: string[],
): Promise<void> {
  if (decision.action === "dismiss") return;
  // The user may narrow the selection, never widen it beyond what the widget shared.
  const chosen = decision.userIds ? shared.filter((id) => decision.userIds?.includes(id)) : shared;
  if (chosen.length === 0) return;
  if (decision.action === "invite") {
    const roomId = decision.roomId ?? context.viewedRoomId;
    if (!roomId) throw new Error("No room to invite into: the user is not viewing a room");
    await callDriver(context, "inviting users", (driver) => driver.inviteUsers?.(roomId, chosen));
  } else if (decision.action === "create_dm") {
    await callDriver(context, "creating a direct message", (driver) => driver.createDirectMessage?.(chosen));
  }
}
