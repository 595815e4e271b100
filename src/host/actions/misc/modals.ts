import {
  cleanModalDefinition,
  closeModalAction,
  MODAL_CLOSE_BUTTON,
  openModalAction,
  setButtonEnabledAction,
} from "../../../protocol/actions/modals.js";
import { formatCapability } from "../../../capabilities/index.js";
import { describeThrown } from "../../../core/describe.js";
import { redactSecrets } from "../../../core/redact.js";
import { ErrorCode, WidgetApiError } from "../../../protocol/errors.js";
import { callDriver } from "../../call-driver.js";
import { hostFor } from "../../features/host-directory.js";
import { modalStateOf } from "../../features/modals.js";
import type { WidgetUiDriver } from "../../driver.js";
import type { RateLimit } from "../../limits.js";
import type { ModalPolicyRequest } from "../../policy.js";
import { defineHostAction, type HostActionContext } from "../../registry.js";
import { askPolicy, refused, refuseWhileAsking } from "./shared.js";

const DOING = "asking the app whether to open a modal";

/** Modal prompts: a burst of 3, then one every 5 s (MSC2790 asks clients to rate-limit). */
export const OPEN_MODAL_RATE_LIMIT: RateLimit = { burst: 3, perSecond: 0.2 };

/**
 * open_modal (MSC2790): a widget asks the app to show a modal widget. Like Element, the host needs
 * no `m.modals` by default; the policy's `allowModal` decides (see `requireModalsCapability`).
 */
export const openModalHandler = defineHostAction({
  action: openModalAction,
  available: (driver) => typeof (driver as WidgetUiDriver).openModal === "function",
  async handle(context, parsed) {
    if (context.policy.allowModal) refuseWhileAsking(context, DOING);
    context.rateLimit("open_modal", OPEN_MODAL_RATE_LIMIT);
    // A modal cannot open another modal: MSC2790 does not let them stack.
    if (modalStateOf(context.widget)) throw refused("A modal widget cannot open another modal");
    await checkModalPolicy(context, parsed);
    const openerHost = hostFor(context.widget);
    if (!openerHost) throw new WidgetApiError("The widget's host is not known", ErrorCode.Internal);
    const controller = new AbortController();
    context.session.onEnd(() => controller.abort());
    await callDriver(context, "opening a modal widget", (driver) =>
      (driver as WidgetUiDriver).openModal?.({
        opener: context.widget,
        openerHost,
        definition: cleanModalDefinition(parsed),
        signal: controller.signal,
      }),
    );
    return {};
  },
});

/**
 * Asks the policy's `allowModal`, if any. Anything but `true` refuses, and so does a hook that
 * throws; a widget without `m.modals` is then told which capability would have let it in.
 */
async function checkModalPolicy(
  context: HostActionContext,
  parsed: { type: string; url: string; name?: string | null | undefined },
): Promise<void> {
  const hook = context.policy.allowModal;
  if (!hook) return;
  const holdsModalsCapability = context.capabilities.hasFixed("modals");
  const modal: ModalPolicyRequest["modal"] = { type: parsed.type, url: parsed.url };
  if (typeof parsed.name === "string") modal.name = parsed.name;
  // The hook's own failure is caught here, before askPolicy sees it: askPolicy would log it as a
  // driver failure and hand back only "Unexpected error", so the line below would say nothing and
  // the failure would be logged twice. What reaches the outer catch is askPolicy cutting it off.
  let allowed = false;
  try {
    allowed =
      (await askPolicy(context, DOING, async (signal) => {
        try {
          return await hook.call(context.policy, {
            widget: context.widget,
            holdsModalsCapability,
            modal,
            signal,
          });
        } catch (error) {
          // After a cut-off the refusal is logged below already; a hook that rejects on its
          // aborted signal is doing what it should.
          if (!signal.aborted) {
            context.logger.warn(
              `The modal policy failed; refusing the modal: ${redactSecrets(describeThrown(error))}`,
            );
          }
          return false;
        }
      })) === true;
  } catch (error) {
    // An earlier modal of this widget still waits for the app: the widget is told to wait.
    if (error instanceof WidgetApiError && error.code === ErrorCode.LimitExceeded) throw error;
    context.logger.warn(`The modal policy did not answer; refusing the modal: ${describeThrown(error)}`);
  }
  if (allowed) return;
  if (!holdsModalsCapability) {
    throw new WidgetApiError(
      `Missing capability ${formatCapability({ kind: "fixed", name: "modals" }, "unstable")} for open_modal`,
      ErrorCode.MissingCapability,
    );
  }
  throw refused("The client refused to open this modal");
}

/** set_button_enabled (MSC2790): a modal enables or disables one of its own buttons. */
export const setButtonEnabledHandler = defineHostAction({
  action: setButtonEnabledAction,
  handle(context, { button, enabled }) {
    const modal = modalStateOf(context.widget);
    if (!modal) throw refused("Only a modal widget has buttons");
    if (modal.closed) throw refused("The modal is closed");
    if (button === MODAL_CLOSE_BUTTON) {
      throw new WidgetApiError("The m.close button cannot be disabled", ErrorCode.InvalidRequest);
    }
    if (!modal.enabled.has(button)) {
      throw new WidgetApiError(`The modal has no button ${button}`, ErrorCode.InvalidRequest);
    }
    modal.enabled.set(button, enabled);
    try {
      modal.onButtonEnabled?.(button, enabled);
    } catch (error) {
      context.logger.warn(`The modal button callback failed: ${describeThrown(error)}`);
    }
    return {};
  },
});

/**
 * close_modal (MSC2790): the modal closes itself. Its data goes to the opener, the request is
 * acked, and then the app is told to close the dialog. Any later close_modal is refused.
 */
export const closeModalHandler = defineHostAction({
  action: closeModalAction,
  handle(context, data) {
    const modal = modalStateOf(context.widget);
    if (!modal) throw refused("Only a modal widget can close itself");
    if (modal.closed) throw refused("The modal is already closed");
    modal.closeFromModal(data);
    return {};
  },
});
