import type { RequestOptions } from "../../core/endpoint.js";
import {
  sendToDeviceAction,
  toDeviceMessageAction,
  type ToDeviceMessage,
} from "../../protocol/actions/to-device.js";
import type { WidgetSession } from "../session.js";
import { addPushListener, requireHostVersion } from "./listeners.js";

export type { ToDeviceMessage } from "../../protocol/actions/to-device.js";

/**
 * MSC3819 asks widgets to wait at least 60 s for send_to_device: the client may be encrypting.
 * @category To-device messages
 */
export const SEND_TO_DEVICE_TIMEOUT_MS = 60_000;

/**
 * Messages to send: user ID → device ID (or `*` for all their devices) → content.
 * @category To-device messages
 */
export type ToDeviceMessages = Record<string, Record<string, Record<string, unknown>>>;

/**
 * Options of {@link sendToDevice}.
 * @category To-device messages
 */
export interface SendToDeviceOptions extends RequestOptions {
  /** Ask the client to encrypt the messages (it must know the devices). Default false. */
  encrypted?: boolean;
}

/**
 * Sends to-device messages of `type` (MSC3819; needs `m.send.to_device:<type>`). Waits up to 60 s
 * by default. Rejects when the host does not advertise `org.matrix.msc3819`.
 * @category To-device messages
 */
export async function sendToDevice(
  client: WidgetSession,
  type: string,
  messages: ToDeviceMessages,
  options: SendToDeviceOptions = {},
): Promise<void> {
  requireHostVersion(client, "org.matrix.msc3819", "to-device messages");
  const { encrypted = false, ...requestOptions } = options;
  await client.request(
    sendToDeviceAction,
    { type, encrypted, messages },
    { timeoutMs: SEND_TO_DEVICE_TIMEOUT_MS, ...requestOptions },
  );
}

/**
 * Calls `listener` for every to-device message the host delivers (it delivers only types the
 * widget may receive, `m.receive.to_device:<type>`). With `type`, only messages of that type.
 * Returns a function that stops listening.
 * @category To-device messages
 */
export function onToDeviceMessage(
  client: WidgetSession,
  listener: (message: ToDeviceMessage) => void,
  options: { type?: string } = {},
): () => void {
  const { type } = options;
  return addPushListener(client, toDeviceMessageAction, (message) => {
    if (type === undefined || message.type === type) listener(message);
  });
}
