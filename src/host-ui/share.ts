/**
 * The share confirmation (MSC3662): the real profile of each suggested user next to what the widget
 * claimed, unverified users flagged, and an answer `HostPolicy.confirmShare` accepts as is.
 *
 * Names are untrusted: they are shown inside `<bdi>` (so right-to-left text cannot reorder the
 * sentence), with zero-width and bidi control characters escaped visibly, cut with an ellipsis, and
 * always next to the Matrix ID, which is the one thing a widget cannot fake.
 *
 * @module
 */

import { hasInvisibleCharacters, visibleText } from "../core/visible-text.js";
import type { ResolvedSharedUser, ShareDecision, ShareRequest } from "../host/policy.js";
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
import { hostUiMessages, type HostUiMessages } from "./messages.js";

/** The tag name of the share confirmation element. */
export const SHARE_CONFIRM_TAG = "mwk-share-confirm";

/** Options of {@link showShareConfirm}. */
export interface ShareConfirmOptions extends HostUiOptions {
  /** The viewed room's name, for the "Invite to …" button. Default: the room ID. */
  roomName?: string;
}

/** The share confirmation element; obtain its class through {@link defineShareConfirm}. */
export interface ShareConfirmElement extends HostUiElement {
  /**
   * Fills and opens the confirmation; resolves once with the user's decision. Rejects with an
   * `InvalidStateError` while this element is still open with an earlier request.
   */
  confirm(request: ShareRequest, options?: ShareConfirmOptions): Promise<ShareDecision>;
}

/** One user's card: real name, Matrix ID, and every warning that applies. */
function userCard(user: ResolvedSharedUser, words: HostUiMessages): HTMLElement {
  const card = el("div", "user");
  card.dataset.userId = user.userId;
  card.dataset.verified = String(user.verified);
  const shown = user.displayName ?? user.userId;
  const id = el("code", "mxid");
  id.append(untrusted(user.userId, 255));
  card.append(untrusted(shown, 64, "name"), id);
  if (!user.verified) {
    card.append(el("span", "warning", words["share.unverified"]));
  } else if (user.claimed.displayName !== undefined && user.claimed.displayName !== user.displayName) {
    const warning = el("span", "warning mismatch");
    warning.append(
      ...fillNodes(words["share.mismatch"], {
        claimed: untrusted(user.claimed.displayName, 64),
        real: untrusted(shown, 64),
      }),
    );
    card.append(warning);
  }
  if (hasInvisibleCharacters(shown) || hasInvisibleCharacters(user.claimed.displayName ?? "")) {
    card.append(el("span", "warning hidden", words["share.hidden"]));
  }
  return card;
}

let shareClass: (new () => ShareConfirmElement) | undefined;

/** Defines `<mwk-share-confirm>` in `registry` if it is not defined yet, and returns its class. */
export function defineShareConfirm(
  registry: CustomElementRegistry = customElements,
): new () => ShareConfirmElement {
  shareClass ??= class ShareConfirm extends hostUiBase() implements ShareConfirmElement {
    confirm(request: ShareRequest, options: ShareConfirmOptions = {}): Promise<ShareDecision> {
      const words = hostUiMessages(pickLocale(options.locale));
      const run = {
        kind: "share",
        role: "alertdialog",
        cancelAnswer: { action: "dismiss" },
        theme: options.theme,
        signals: [request.signal, options.signal],
      } as const;
      return this.runDialog<ShareDecision>(run, (dialog, finish) => {
        const widget = untrusted(options.widgetName ?? request.widget.widgetId, 48);
        const headingId =
          request.hint === "invite"
            ? "share.heading.invite"
            : request.hint === "create_room"
              ? "share.heading.create_room"
              : "share.heading.other";
        const heading = el("h2");
        heading.append(...fillNodes(words[headingId], { widget }));
        const intro = el("p", "muted", words["share.intro"]);
        label(dialog, heading, intro);
        dialog.append(heading, intro);

        // With several users, each can be left out; the decision then narrows `userIds`.
        const includes: Array<[HTMLInputElement, string]> = [];
        for (const user of request.users) {
          const card = userCard(user, words);
          if (request.users.length > 1) {
            const include = el("input");
            include.type = "checkbox";
            include.checked = true;
            include.dataset.userId = user.userId;
            include.setAttribute(
              "aria-label",
              words["share.include"].replace("{user}", visibleText(user.userId, { maxLength: 255 })),
            );
            card.prepend(include);
            includes.push([include, user.userId]);
          }
          dialog.append(card);
        }
        const chosen = (): { userIds?: readonly string[] } =>
          includes.length === 0 ? {} : { userIds: includes.filter(([c]) => c.checked).map(([, id]) => id) };

        const actions = el("div", "actions");
        const cancel = button(undefined, words["share.cancel"], "cancel", () =>
          finish({ action: "dismiss" }),
        );
        actions.append(cancel);
        const roomId = request.viewedRoomId;
        if (roomId !== undefined) {
          const invite = button(request.hint === "invite" ? "primary" : undefined, undefined, "invite", () =>
            finish({ action: "invite", roomId, ...chosen() }),
          );
          invite.append(
            ...fillNodes(words["share.invite"], {
              room: untrusted(options.roomName ?? roomId, 48),
            }),
          );
          actions.append(invite);
        }
        const dm = button(request.hint === "invite" ? undefined : "primary", words["share.dm"], "dm", () =>
          finish({ action: "create_dm", ...chosen() }),
        );
        actions.append(dm);
        dialog.append(actions);
        // The safe choice has the focus: Enter right away changes nothing.
        return cancel;
      });
    }
  };
  defineOnce(registry, SHARE_CONFIRM_TAG, shareClass);
  return shareClass;
}

/**
 * Shows an mxid share (MSC3662) and resolves with the user's decision: what `HostPolicy.confirmShare`
 * expects, so `confirmShare: (request) => showShareConfirm(request)` wires it in. Escape, "Cancel"
 * and the request's abort signal dismiss.
 */
export function showShareConfirm(
  request: ShareRequest,
  options: ShareConfirmOptions = {},
): Promise<ShareDecision> {
  defineShareConfirm();
  return mount<ShareConfirmElement>(SHARE_CONFIRM_TAG, options).confirm(request, options);
}
