import { formatCapability, type FixedCapabilityName } from "../../../capabilities/index.js";
import { sendEventFromWidget } from "../../../protocol/actions/events.js";
import { ErrorCode, WidgetApiError } from "../../../protocol/errors.js";
import { callDriver } from "../../call-driver.js";
import type { SendEventOptions, SentEvent } from "../../driver.js";
import { defineHostAction, type HostActionContext } from "../../registry.js";
import { resolveTargetRoom } from "./rooms.js";

function requireFixed(context: HostActionContext, name: FixedCapabilityName, why: string): void {
  if (context.capabilities.hasFixed(name)) return;
  const needed = formatCapability({ kind: "fixed", name }, "unstable");
  throw new WidgetApiError(`Missing capability ${needed} ${why}`, ErrorCode.MissingCapability);
}

/**
 * MSC2762 send_event, with MSC4157 delays and MSC4407 sticky events. Every check runs before the
 * driver is called, in this order: the target room (room_id, else the viewed room; another room
 * needs a timeline capability), the event capability (state type and key, or room type and the
 * content's msgtype), then the delayed and sticky capabilities. The reply's room is the room the
 * host asked the driver to send to.
 */
export const sendEventHandler = defineHostAction({
  action: sendEventFromWidget,
  available: (driver) => typeof driver.sendEvent === "function",
  async handle(context, request) {
    const { capabilities } = context;
    const roomId = resolveTargetRoom(capabilities, context.viewedRoomId, request.room_id);
    const stateKey = request.state_key ?? undefined;
    const sticky = request.sticky_duration_ms ?? undefined;
    const delay = request.delay ?? undefined;
    const parentDelayId = request.parent_delay_id ?? undefined;

    if (stateKey !== undefined) {
      if (!capabilities.canSendState(request.type, stateKey)) {
        const needed = formatCapability(
          { kind: "state_event", direction: "send", eventType: request.type, stateKey },
          "unstable",
        );
        throw new WidgetApiError(`Missing capability ${needed}`, ErrorCode.MissingCapability);
      }
      if (sticky !== undefined) {
        throw new WidgetApiError("A state event cannot be sticky", ErrorCode.InvalidRequest);
      }
    } else if (!capabilities.allowsEvent("send", { type: request.type, content: request.content })) {
      const content = request.content as { msgtype?: unknown };
      const msgtype =
        request.type === "m.room.message" && typeof content.msgtype === "string"
          ? content.msgtype
          : undefined;
      const needed = formatCapability(
        msgtype === undefined
          ? { kind: "room_event", direction: "send", eventType: request.type }
          : { kind: "room_event", direction: "send", eventType: request.type, msgtype },
        "unstable",
      );
      throw new WidgetApiError(`Missing capability ${needed}`, ErrorCode.MissingCapability);
    }

    const delayed = delay !== undefined || parentDelayId !== undefined;
    if (delayed) requireFixed(context, "send_delayed_event", "to send a delayed event");
    if (sticky !== undefined) requireFixed(context, "send_sticky_event", "to send a sticky event");

    const options: SendEventOptions = { roomId };
    if (stateKey !== undefined) options.stateKey = stateKey;
    if (delay !== undefined) options.delayMs = delay;
    if (parentDelayId !== undefined) options.parentDelayId = parentDelayId;
    if (sticky !== undefined) options.stickyDurationMs = sticky;

    const sent = await callDriver(
      context,
      "sending the event",
      (driver, signal) => driver.sendEvent?.(request.type, request.content, { ...options, signal }),
      true,
    );
    return toReply(sent, roomId, delayed);
  },
});

function toReply(
  sent: SentEvent,
  roomId: string,
  delayed: boolean,
): { room_id: string; event_id?: string; delay_id?: string } {
  const result = (typeof sent === "object" && sent !== null ? sent : {}) as Partial<Record<string, unknown>>;
  if (delayed) {
    if (typeof result.delayId === "string" && result.delayId !== "") {
      return { room_id: roomId, delay_id: result.delayId };
    }
  } else if (typeof result.eventId === "string" && result.eventId !== "") {
    return { room_id: roomId, event_id: result.eventId };
  }
  throw new WidgetApiError("The client returned a malformed send result", ErrorCode.Internal);
}
