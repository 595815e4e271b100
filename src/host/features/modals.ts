import {
  buttonClickedAction,
  MODAL_CLOSE_BUTTON,
  modalClosedAction,
  widgetConfigAction,
  type ModalDefinition,
} from "../../protocol/actions/modals.js";
import { notifyCapabilities } from "../../protocol/actions/session.js";
import type { JsonObject } from "../../protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../../protocol/errors.js";
import { ApiVersion } from "../../protocol/versions.js";
import type { ModalOpenRequest } from "../driver.js";
import type { HostHandle } from "../host-handle.js";
import type { WidgetIdentity } from "../policy.js";

// The request type the driver sees lives beside the driver interface; re-exported for older imports.
export type { ModalOpenRequest } from "../driver.js";

/** Why a modal closed. */
export type ModalCloseReason =
  /** The modal sent close_modal; its data went to the opener. */
  | "closed"
  /** The client closed it (the user dismissed it); the opener was told `{"m.exited": true}`. */
  | "dismissed"
  /** The opener's session ended; the opener is told nothing. */
  | "opener-ended";

/** Options of {@link bindModal}. */
export interface BindModalOptions {
  /** The request the driver's `openModal` received. */
  request: ModalOpenRequest;
  /** The WidgetHost the app started for the modal widget. */
  modal: HostHandle;
  /** Called when the modal enables or disables one of its buttons; update the dialog. */
  onButtonEnabled?(buttonId: string, enabled: boolean): void;
  /** Called once when the modal is over: remove the dialog and destroy the modal's host. */
  onClose?(reason: ModalCloseReason): void;
}

/** The live link between a modal widget and the widget that opened it. */
export interface ModalBinding {
  /** Whether the modal is over. */
  readonly closed: boolean;
  /** Whether a button is currently enabled. Unknown buttons are not. */
  isButtonEnabled(buttonId: string): boolean;
  /** Tells the modal the user clicked a button (`button_clicked`). Rejects for unknown or disabled buttons. */
  clickButton(buttonId: string): Promise<void>;
  /** Closes the modal from the client's side: the opener is told `{"m.exited": true}`. */
  dismiss(): Promise<void>;
}

interface ModalState {
  readonly definition: ModalDefinition;
  readonly enabled: Map<string, boolean>;
  closed: boolean;
  onButtonEnabled: ((buttonId: string, enabled: boolean) => void) | undefined;
  /** Marks the modal closed at once; relays `data` to the opener and tells the app. */
  closeFromModal(data: JsonObject): void;
}

/** Modal state by the modal host's identity; read by the close_modal and set_button_enabled handlers. */
const modals = new WeakMap<WidgetIdentity, ModalState>();

/** @internal The modal state of a widget, if it is a modal. */
export function modalStateOf(widget: WidgetIdentity): ModalState | undefined {
  return modals.get(widget);
}

/**
 * Links a modal widget's host to the widget that opened it (MSC2790):
 * - sends the modal its `widget_config` once its session is established (after each reload too);
 * - serves the modal's `set_button_enabled` and `close_modal`, relaying the close data to the opener;
 * - closes the modal when the opener's session ends.
 */
export function bindModal(options: BindModalOptions): ModalBinding {
  const { request, modal } = options;
  const opener = request.openerHost;
  const definition = request.definition;
  const enabled = new Map<string, boolean>();
  for (const button of definition.buttons) enabled.set(button.id, button.disabled !== true);
  // MSC2790: without an explicit m.close button one is implied; it cannot be disabled.
  enabled.set(MODAL_CLOSE_BUTTON, true);

  const cleanups: Array<() => void> = [];
  const finish = (reason: ModalCloseReason, relay: JsonObject | undefined, afterReply = false): void => {
    if (state.closed) return;
    state.closed = true;
    for (const cleanup of cleanups.splice(0)) cleanup();
    if (relay) opener.request(modalClosedAction, relay).catch(() => {});
    const notify = () => {
      try {
        options.onClose?.(reason);
      } catch {
        // The app's callback failing must not keep the modal half-closed.
      }
    };
    // When the modal closed itself, the app is told only after the ack to close_modal has left,
    // so destroying the modal's host in onClose cannot swallow that reply.
    if (afterReply) setTimeout(notify, 0);
    else notify();
  };

  const state: ModalState = {
    definition,
    enabled,
    closed: false,
    onButtonEnabled: options.onButtonEnabled,
    closeFromModal: (data) => finish("closed", data, true),
  };
  modals.set(modal.widget, state);

  // widget_config goes out once per modal session, once the widget has acknowledged
  // notify_capabilities: a widget that registers its handler right after connecting (after
  // `create()` resolved) has done so by then, since the config reaches it as a task of its own
  // after the one that resolved `create()`, over postMessage as over the memory transport.
  let configDue = false;
  const sendConfig = () => {
    configDue = false;
    if (!state.closed) modal.request(widgetConfigAction, definition).catch(() => {});
  };
  cleanups.push(
    modal.on("ready", () => {
      if (modal.widgetVersions.includes(ApiVersion.MSC2871)) configDue = true;
      else sendConfig();
    }),
    modal.on("trace", (entry) => {
      if (configDue && entry.direction === "toWidget" && entry.action === notifyCapabilities.stable) {
        sendConfig();
      }
    }),
    modal.on("sessionEnded", () => {
      configDue = false;
    }),
    opener.on("sessionEnded", () => finish("opener-ended", undefined)),
  );
  if (modal.state === "ready") sendConfig();

  const onAbort = () => finish("opener-ended", undefined);
  if (request.signal.aborted) onAbort();
  else {
    request.signal.addEventListener("abort", onAbort, { once: true });
    cleanups.push(() => request.signal.removeEventListener("abort", onAbort));
  }

  return {
    get closed() {
      return state.closed;
    },
    isButtonEnabled: (buttonId) => enabled.get(buttonId) === true,
    async clickButton(buttonId) {
      if (state.closed) throw new WidgetApiError("The modal is closed", ErrorCode.Refused);
      const isEnabled = enabled.get(buttonId);
      if (isEnabled === undefined)
        throw new WidgetApiError(`The modal has no button ${buttonId}`, ErrorCode.InvalidRequest);
      if (!isEnabled) throw new WidgetApiError(`The button ${buttonId} is disabled`, ErrorCode.Refused);
      await modal.request(buttonClickedAction, { id: buttonId });
    },
    async dismiss() {
      finish("dismissed", { "m.exited": true });
    },
  };
}
