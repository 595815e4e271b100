// The user's consent, asked with the browser's own dialogs so the example needs no UI library.
// Every hook answers "no" unless the user says yes; a real client would show its own dialogs.
import type { HostPolicy } from "matrix-widget-kit/host";

function widgetName(widget: { widgetId: string; origin?: string }): string {
  return widget.origin === undefined ? widget.widgetId : `${widget.widgetId} (${widget.origin})`;
}

/** A policy that asks the user, with `window.confirm`, before granting or doing anything. */
export function confirmPolicy(): HostPolicy {
  return {
    approveCapabilities({ widget, requested, renegotiation }) {
      const verb = renegotiation ? "now also asks" : "asks";
      const allowed = window.confirm(
        `${widgetName(widget)} ${verb} for:\n\n${requested.map((c) => `• ${c}`).join("\n")}\n\nAllow all of these?`,
      );
      return allowed ? requested : [];
    },
    allowNavigation(target, widget) {
      return window.confirm(`${widgetName(widget)} wants to open ${JSON.stringify(target)}. Go there?`);
    },
    confirmShare({ widget, users, hint, viewedRoomId }) {
      const names = users.map((user) => `${user.displayName ?? user.userId} (${user.userId})`).join(", ");
      if (hint === "invite" && viewedRoomId !== undefined) {
        return window.confirm(`${widgetName(widget)} suggests inviting ${names} to this room. Invite?`)
          ? { action: "invite", roomId: viewedRoomId }
          : { action: "dismiss" };
      }
      return window.confirm(`${widgetName(widget)} suggests a direct message with ${names}. Start one?`)
        ? { action: "create_dm" }
        : { action: "dismiss" };
    },
    approveOpenId({ widget }) {
      return window.confirm(`${widgetName(widget)} wants to verify your Matrix ID. Allow?`);
    },
  };
}
