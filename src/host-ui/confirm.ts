/**
 * The navigation confirmation, and the plain confirmation it is built on: a question, "cancel" and
 * "go". Its answer is exactly `true` only when the user confirmed, which is the one value
 * `HostPolicy.allowNavigation` treats as "allow".
 *
 * @module
 */

import { visibleText } from "../core/visible-text.js";
import type { NavigationTarget } from "../matrix/links.js";
import type { WidgetIdentity } from "../host/policy.js";
import {
  button,
  defineOnce,
  el,
  fillNodes,
  hostUiBase,
  label,
  mount,
  pickLocale,
  untrusted,
  type HostUiElement,
  type HostUiOptions,
} from "./base.js";
import { hostUiMessages } from "./messages.js";

/** The tag name of the confirmation element (navigation and plain confirmations). */
export const CONFIRM_DIALOG_TAG = "mwk-confirm-dialog";

/** What a confirmation shows. Every string is shown as text, never as HTML. */
export interface ConfirmContent {
  /** The heading, e.g. "Allow this widget to verify your identity?". */
  heading: string;
  /** One or two sentences of explanation. */
  message: string;
  /**
   * Untrusted text such as a destination, shown escaped and isolated. When `message` contains
   * `{subject}` it is put there; otherwise it gets a highlighted line of its own.
   */
  subject?: string;
  /** Label of the confirming button. Default "OK". */
  confirmLabel?: string;
  /** Label of the cancelling button. Default "Cancel". */
  cancelLabel?: string;
  /** Recorded on the dialog as `data-kind`. Default `confirm`. */
  kind?: string;
}

/** The confirmation element; obtain its class through {@link defineConfirmDialog}. */
export interface ConfirmDialogElement extends HostUiElement {
  /**
   * Fills and opens the dialog; resolves once: `true` when confirmed, `false` otherwise. Rejects
   * with an `InvalidStateError` while this element is still open with an earlier question.
   */
  ask(content: ConfirmContent, options?: HostUiOptions): Promise<boolean>;
}

let confirmClass: (new () => ConfirmDialogElement) | undefined;

/** Defines `<mwk-confirm-dialog>` in `registry` if it is not defined yet, and returns its class. */
export function defineConfirmDialog(
  registry: CustomElementRegistry = customElements,
): new () => ConfirmDialogElement {
  confirmClass ??= class ConfirmDialog extends hostUiBase() implements ConfirmDialogElement {
    ask(content: ConfirmContent, options: HostUiOptions = {}): Promise<boolean> {
      const words = hostUiMessages(pickLocale(options.locale));
      const run = {
        kind: content.kind ?? "confirm",
        role: "alertdialog",
        cancelAnswer: false,
        theme: options.theme,
        signals: [options.signal],
      } as const;
      return this.runDialog<boolean>(run, (dialog, finish) => {
        const heading = el("h2", "isolate", content.heading);
        const message = el("p", "isolate");
        const inline = content.subject !== undefined && content.message.includes("{subject}");
        message.append(
          ...(inline
            ? fillNodes(content.message, { subject: untrusted(content.subject ?? "", 255, "title") })
            : [document.createTextNode(content.message)]),
        );
        label(dialog, heading, message);
        dialog.append(heading, message);
        if (content.subject !== undefined && !inline) {
          const subject = el("p", "target");
          subject.append(untrusted(content.subject, 255));
          dialog.append(subject);
        }
        const actions = el("div", "actions");
        const cancel = button(undefined, content.cancelLabel ?? words["confirm.cancel"], "cancel", () =>
          finish(false),
        );
        const ok = button("primary", content.confirmLabel ?? words["confirm.ok"], "confirm", () =>
          finish(true),
        );
        actions.append(cancel, ok);
        dialog.append(actions);
        // The safe answer has the focus: Enter right away stays put.
        return cancel;
      });
    }
  };
  defineOnce(registry, CONFIRM_DIALOG_TAG, confirmClass);
  return confirmClass;
}

/**
 * Asks a yes/no question in the themed, accessible dialog. Resolves `true` only when the user pressed
 * the confirming button; Escape, "Cancel" and an aborted `signal` resolve `false`.
 */
export function showConfirmation(content: ConfirmContent, options: HostUiOptions = {}): Promise<boolean> {
  defineConfirmDialog();
  return mount<ConfirmDialogElement>(CONFIRM_DIALOG_TAG, options).ask(content, options);
}

/** Options of {@link showNavigationConfirm}. */
export interface NavigationConfirmOptions extends HostUiOptions {
  /** A readable name of the destination (room name, display name); the ID is shown next to it. */
  targetName?: string;
  /** An extra sentence, e.g. "You are not in this room." */
  note?: string;
}

/** The destination in words, with the raw ID always shown. */
/** How much of a room or user name the confirmation shows before the ID it belongs to. */
const MAX_TARGET_NAME = 64;

/**
 * The destination line of a navigation confirmation. The name (set by the room's admins or the
 * user, so untrusted) is cut on its own before the ID, so that a long name, or one padded with
 * spaces, cannot push the real ID out of the line: the line is cut as a whole when shown, and a
 * name such as "Matrix HQ (#matrix:matrix.org)" would otherwise stand in for it.
 * @internal Exported for tests.
 */
export function destination(target: NavigationTarget, name: string | undefined): string {
  const id = target.type === "user" ? target.userId : target.room;
  const shown =
    name !== undefined && name !== id ? `${visibleText(name, { maxLength: MAX_TARGET_NAME })} (${id})` : id;
  return target.type === "event" ? `${shown} — ${target.eventId}` : shown;
}

/**
 * Asks the user whether to follow a widget's navigation. Resolves exactly `true` to go, so it is
 * what `HostPolicy.allowNavigation` expects. Pass the hook's third argument as the options (or its
 * `signal` among yours) and the dialog closes, refusing, when the host stops waiting for it: the
 * widget's session ended, or the user took longer than the host's decision deadline.
 *
 * ```ts
 * allowNavigation: (target, widget, decision) => showNavigationConfirm(target, widget, decision)
 * ```
 */
export function showNavigationConfirm(
  target: NavigationTarget,
  widget: WidgetIdentity,
  options: NavigationConfirmOptions = {},
): Promise<boolean> {
  const words = hostUiMessages(pickLocale(options.locale));
  const join = target.type !== "user" && target.action === "join";
  const messageId =
    target.type === "user"
      ? target.action === "chat"
        ? "navigate.user.chat"
        : "navigate.user"
      : target.type === "room"
        ? join
          ? "navigate.room.join"
          : "navigate.room"
        : join
          ? "navigate.event.join"
          : "navigate.event";
  // The widget's name is untrusted: escaped and cut before it goes into the heading.
  const widgetName = visibleText(options.widgetName ?? widget.widgetId, { maxLength: 48 });
  const heading = words["navigate.heading"].replace("{widget}", () => widgetName);
  const message = words[messageId].replace("{target}", "{subject}");
  return showConfirmation(
    {
      heading,
      message: options.note === undefined ? `${message}.` : `${message}. ${options.note}`,
      subject: destination(target, options.targetName),
      confirmLabel: words["navigate.confirm"],
      cancelLabel: words["navigate.cancel"],
      kind: "confirm",
    },
    options,
  );
}
