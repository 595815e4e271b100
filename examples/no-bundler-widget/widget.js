// @ts-check
// A widget with no build step: the browser loads this module as written. The import map in
// index.html points "matrix-widget-kit/widget" at the self-contained script-tag build; TypeScript
// (checkJs) reads the same specifier's declarations, so the JSDoc types below are checked.
import {
  WidgetApiError,
  WidgetClient,
  eventCapability,
  onRoomEvent,
  readRoomEvents,
  sendEvent,
} from "matrix-widget-kit/widget";

/** @typedef {import("matrix-widget-kit/widget").WireRoomEvent} WireRoomEvent */

const RECEIVE = eventCapability("receive", "m.room.message", { msgtype: "m.text" });
const SEND = eventCapability("send", "m.room.message", { msgtype: "m.text" });

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from index.html`);
  return found;
}

const status = element("status");
const list = element("messages");
// A JSDoc cast: index.html makes #send a <form>.
const form = /** @type {HTMLFormElement} */ (element("send"));

/**
 * @param {string} state
 * @param {string} text
 */
function show(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

/** @param {unknown} error */
function fail(error) {
  show("error", error instanceof WidgetApiError ? `${error.code}: ${error.message}` : String(error));
}

/** @type {Set<string>} Event IDs shown already: a message can come from the read and as a push. */
const shown = new Set();

/** @param {WireRoomEvent} event */
function addMessage(event) {
  if (shown.has(event.event_id)) return;
  shown.add(event.event_id);
  const item = document.createElement("li");
  item.textContent = `${event.sender}: ${String(event.content.body ?? "")}`;
  list.append(item);
}

async function main() {
  const client = await WidgetClient.create({
    capabilities: [RECEIVE, SEND],
    // Listen before the capability exchange, so no message pushed right after it is refused.
    beforeStart: (c) => {
      onRoomEvent(c, (event) => {
        if (event.type === "m.room.message") addMessage(event);
      });
    },
  });
  if (!client.hasCapability(RECEIVE)) {
    show("denied", "The host did not allow reading messages.");
    return;
  }
  const recent = await readRoomEvents(client, "m.room.message", { msgtype: "m.text", limit: 5 });
  for (const event of recent.reverse()) addMessage(event);

  if (client.hasCapability(SEND)) {
    const input = /** @type {HTMLInputElement} */ (form.elements.namedItem("body"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      sendEvent(client, "m.room.message", { msgtype: "m.text", body: input.value })
        .then(() => (input.value = ""))
        .catch(fail);
    });
    form.hidden = false;
  }
  show("ready", `Connected to ${client.widgetId}`);
}

main().catch(fail);
