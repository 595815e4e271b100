import type { RequestOptions } from "../../core/endpoint.js";
import type { RequestInput } from "../../protocol/action.js";
import {
  buttonClickedAction,
  cleanModalDefinition,
  closeModalAction,
  MODAL_CLOSE_BUTTON,
  modalClosedAction,
  openModalAction,
  setButtonEnabledAction,
  widgetConfigAction,
  type ModalDefinition,
  type ModalDefinitionInput,
} from "../../protocol/actions/modals.js";
import type { JsonObject } from "../../protocol/envelope.js";
import { WidgetApiError } from "../../protocol/errors.js";
import type { WidgetSession } from "../session.js";
import { addPushListener } from "./listeners.js";

export type { ModalButton, ModalDefinition, ModalDefinitionInput } from "../../protocol/actions/modals.js";

/**
 * How a modal ended, as its opener learns it.
 * @category Modals
 */
export interface ModalResult {
  /** True when the client closed the modal (the user dismissed it) rather than the modal itself. */
  exited: boolean;
  /** The modal's close data (`{"m.exited": true}` when exited). */
  data: JsonObject;
}

// ---- the opener -------------------------------------------------------------------------------

/**
 * Asks the client to show a modal widget (MSC2790; needs `m.modals`). Resolves once the client
 * shows it; the outcome arrives later through {@link onModalClose}. Invalid buttons are dropped by
 * the client; `m.close` is always available.
 * @category Modals
 */
export async function openModal(
  client: WidgetSession,
  definition: ModalDefinitionInput,
  options?: RequestOptions,
): Promise<void> {
  const data: RequestInput<typeof openModalAction> = { ...definition, buttons: definition.buttons ?? [] };
  await client.request(openModalAction, data, options);
}

/**
 * Calls `listener` when a modal this widget opened closes. Returns a function that stops listening.
 * @category Modals
 */
export function onModalClose(client: WidgetSession, listener: (result: ModalResult) => void): () => void {
  return addPushListener(client, modalClosedAction, (data) =>
    listener({ exited: data["m.exited"] === true, data }),
  );
}

// ---- the modal --------------------------------------------------------------------------------

/**
 * Calls `listener` with the modal's definition (`widget_config`), sent once the modal's session is
 * established, with the opener's data in `data`. Register it right after connecting. Returns a
 * function that stops listening.
 * @category Modals
 */
export function onWidgetConfig(
  client: WidgetSession,
  listener: (config: ModalDefinition) => void,
): () => void {
  return addPushListener(client, widgetConfigAction, (parsed) => listener(cleanModalDefinition(parsed)));
}

/**
 * Calls `listener` with the ID of each button the user clicks. Returns a function that stops listening.
 * @category Modals
 */
export function onButtonClicked(client: WidgetSession, listener: (buttonId: string) => void): () => void {
  return addPushListener(client, buttonClickedAction, ({ id }) => listener(id));
}

/**
 * Enables or disables one of the modal's buttons. `m.close` cannot be disabled.
 * @category Modals
 */
export async function setModalButtonEnabled(
  client: WidgetSession,
  buttonId: string,
  enabled: boolean,
  options?: RequestOptions,
): Promise<void> {
  if (buttonId === MODAL_CLOSE_BUTTON) {
    throw new WidgetApiError("The m.close button cannot be disabled", "invalid_request");
  }
  await client.request(setButtonEnabledAction, { button: buttonId, enabled }, options);
}

/**
 * Closes the modal; `data` goes to the widget that opened it. The client ends the modal's session
 * right after, so the acknowledgement may never arrive: the promise then rejects with
 * `session_ended` or `timeout`, which means the close went through.
 * @category Modals
 */
export async function closeModal(
  client: WidgetSession,
  data: JsonObject = {},
  options?: RequestOptions,
): Promise<void> {
  await client.request(closeModalAction, data, options);
}
