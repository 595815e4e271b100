import type { ResolvedSharedUser, ShareDecision, ShareRequest } from "../../src/host/index.js";
import { describeCapability } from "./capability-text.js";

const dialog = () => document.getElementById("dialog") as HTMLDialogElement;

function text(tag: string, content: string, className?: string): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = content;
  if (className) element.className = className;
  return element;
}

function button(label: string, onClick: () => void, id?: string): HTMLButtonElement {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = label;
  if (id) element.dataset.testid = id;
  element.addEventListener("click", onClick);
  return element;
}

/** Asks the user which capabilities to grant. Resolves with the approved ones and whether to remember. */
export function askCapabilities(
  widgetName: string,
  requested: readonly string[],
  renegotiation: boolean,
): Promise<{ approved: string[]; remember: boolean }> {
  const box = dialog();
  box.replaceChildren();
  box.dataset.kind = "capabilities";
  box.append(
    text(
      "h2",
      renegotiation ? `${widgetName} asks for more permissions` : `${widgetName} asks for permission to:`,
    ),
  );
  const checks: Array<[HTMLInputElement, string]> = [];
  const list = document.createElement("ul");
  for (const capability of requested) {
    const { text: words, sensitive } = describeCapability(capability);
    const item = document.createElement("li");
    const label = document.createElement("label");
    const check = document.createElement("input");
    check.type = "checkbox";
    check.checked = !sensitive;
    check.dataset.capability = capability;
    label.append(check, ` ${words} `);
    if (sensitive) label.append(text("span", "sensitive", "sensitive"));
    label.append(text("code", ` ${capability}`));
    item.append(label);
    list.append(item);
    checks.push([check, capability]);
  }
  const remember = document.createElement("input");
  remember.type = "checkbox";
  const rememberLabel = document.createElement("label");
  rememberLabel.append(remember, " Remember this choice for this widget");
  return new Promise((resolve) => {
    const finish = (approveChecked: boolean) => {
      box.close();
      resolve({
        approved: approveChecked ? checks.filter(([check]) => check.checked).map(([, cap]) => cap) : [],
        remember: remember.checked,
      });
    };
    const menu = document.createElement("menu");
    menu.append(
      button("Deny all", () => finish(false), "deny"),
      button("Approve selected", () => finish(true), "approve"),
    );
    box.append(list, rememberLabel, menu);
    box.showModal();
  });
}

function describeUser(user: ResolvedSharedUser): HTMLElement {
  const row = document.createElement("div");
  row.className = "user";
  row.dataset.userId = user.userId;
  const shown = user.displayName ?? user.userId;
  row.append(text("strong", shown), text("code", user.userId));
  if (!user.verified) {
    row.append(
      text("span", "⚠ Unverified: the homeserver has no profile; the name comes from the widget", "warning"),
    );
  } else if (user.claimed.displayName !== undefined && user.claimed.displayName !== user.displayName) {
    row.append(
      text(
        "span",
        `⚠ The widget called this user "${user.claimed.displayName}", but their real name is "${shown}"`,
        "warning",
      ),
    );
  }
  return row;
}

/** Shows an mxid share and resolves with the user's decision. */
export function askShare(request: ShareRequest, roomName: string | undefined): Promise<ShareDecision> {
  const box = dialog();
  box.replaceChildren();
  box.dataset.kind = "share";
  const hintText =
    request.hint === "invite"
      ? "invite them"
      : request.hint === "create_room"
        ? "start a chat with them"
        : "share them";
  box.append(text("h2", `${request.widget.widgetId} wants to ${hintText}`));
  for (const user of request.users) box.append(describeUser(user));
  return new Promise((resolve) => {
    const finish = (decision: ShareDecision) => {
      box.close();
      resolve(decision);
    };
    request.signal.addEventListener("abort", () => finish({ action: "dismiss" }));
    const menu = document.createElement("menu");
    menu.append(button("Cancel", () => finish({ action: "dismiss" }), "cancel"));
    if (request.viewedRoomId) {
      menu.append(
        button(`Invite to ${roomName ?? request.viewedRoomId}`, () => finish({ action: "invite" }), "invite"),
      );
    }
    menu.append(button("Open a direct message", () => finish({ action: "create_dm" }), "dm"));
    box.append(menu);
    box.showModal();
  });
}

/** Asks the user to confirm something; resolves true on OK (labelled `okLabel`). */
export function confirmAction(message: string, okLabel = "Go"): Promise<boolean> {
  const box = dialog();
  box.replaceChildren();
  box.dataset.kind = "confirm";
  box.append(text("p", message));
  return new Promise((resolve) => {
    const finish = (ok: boolean) => {
      box.close();
      resolve(ok);
    };
    const menu = document.createElement("menu");
    menu.append(
      button("Cancel", () => finish(false), "cancel"),
      button(okLabel, () => finish(true), "confirm"),
    );
    box.append(menu);
    box.showModal();
  });
}
