import * as v from "valibot";
import { defineAction } from "../action.js";
import { plainObjectSchema } from "../envelope.js";
import { ApiVersion } from "../versions.js";
import { emptyObject } from "./schemas.js";
import { eventTypeSchema, MAX_ID_CHARS, userIdSchema } from "./misc-schemas.js";

/** Most (user, device) pairs one send_to_device request may address. */
export const MAX_TO_DEVICE_TARGETS = 1024;

const deviceIdSchema = v.pipe(
  v.string("device IDs must be strings"),
  v.minLength(1, "device IDs must not be empty"),
  v.maxLength(MAX_ID_CHARS, "device ID is too long"),
);

/** user ID → device ID (or `*` for every device) → message content. */
const toDeviceMessages = v.pipe(
  v.record(userIdSchema, v.record(deviceIdSchema, plainObjectSchema), "messages must be an object"),
  v.check(
    (messages) => countTargets(messages) <= MAX_TO_DEVICE_TARGETS,
    `messages may address at most ${MAX_TO_DEVICE_TARGETS} devices`,
  ),
);

/** How many (user, device) pairs a messages map addresses. */
export function countTargets(messages: Record<string, Record<string, unknown>>): number {
  let count = 0;
  for (const devices of Object.values(messages)) count += Object.keys(devices).length;
  return count;
}

/** The widget sends to-device messages of one type (MSC3819). */
export const sendToDeviceAction = defineAction({
  id: "send_to_device (fromWidget)",
  direction: "fromWidget",
  stable: "send_to_device",
  unstable: [],
  version: ApiVersion.MSC3819,
  capability: { dynamic: "m.send.to_device:<type> for the type sent" },
  request: v.object({
    type: eventTypeSchema,
    encrypted: v.boolean("encrypted must be a boolean"),
    messages: toDeviceMessages,
  }),
  response: emptyObject,
});

/** The host delivers a to-device message it received to the widget (MSC3819). */
export const toDeviceMessageAction = defineAction({
  id: "send_to_device (toWidget)",
  direction: "toWidget",
  stable: "send_to_device",
  unstable: [],
  version: ApiVersion.MSC3819,
  request: v.object({
    type: eventTypeSchema,
    sender: v.pipe(v.string("sender must be a string"), v.maxLength(MAX_ID_CHARS, "sender is too long")),
    content: plainObjectSchema,
    encrypted: v.boolean("encrypted must be a boolean"),
  }),
  response: emptyObject,
});

/** A to-device message as the widget receives it. */
export type ToDeviceMessage = v.InferOutput<(typeof toDeviceMessageAction)["request"]>;
