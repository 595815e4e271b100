// A widget built with Vite: it reads, sends and receives room messages, and uses the four
// proposals (MSC2931 navigate, MSC3973 user directory search, MSC3662 mxid share, MSC3751 account
// data). Every family is a free function that takes the client, so Vite keeps only what is used.
import {
  WidgetApiError,
  WidgetClient,
  eventCapability,
  formatCapability,
  navigate,
  onRoomEvent,
  readAccountData,
  readRoomEvents,
  searchUserDirectory,
  sendEvent,
  shareUsers,
  type WireRoomEvent,
} from "matrix-widget-kit/widget";

/** An ordinary account-data type; the host keeps secrets (`m.secret_storage.*`, …) from widgets. */
const SETTINGS_TYPE = "org.example.playground.settings";

const RECEIVE_TEXT = eventCapability("receive", "m.room.message", { msgtype: "m.text" });
const SEND_TEXT = eventCapability("send", "m.room.message", { msgtype: "m.text" });
const NAVIGATE = formatCapability({ kind: "fixed", name: "navigate" });
const SEARCH = formatCapability({ kind: "fixed", name: "user_directory_search" });
const SHARE = formatCapability({ kind: "fixed", name: "mxid_share" });
const READ_SETTINGS = formatCapability({ kind: "account_data", eventType: SETTINGS_TYPE });

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from index.html`);
  return found as T;
}

const status = element<HTMLParagraphElement>("status");
const messages = element<HTMLUListElement>("messages");
const users = element<HTMLUListElement>("users");
const settings = element<HTMLPreElement>("settings");
const sendForm = element<HTMLFormElement>("send");
const searchForm = element<HTMLFormElement>("search");

function show(state: string, text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

function fail(error: unknown): void {
  // WidgetApiError carries the host's error code, e.g. "forbidden" when a capability was refused.
  show("error", error instanceof WidgetApiError ? `${error.code}: ${error.message}` : String(error));
}

function field(form: HTMLFormElement, name: string): HTMLInputElement {
  const input = form.elements.namedItem(name);
  if (!(input instanceof HTMLInputElement)) throw new Error(`the form has no input "${name}"`);
  return input;
}

/** Event IDs already listed: an event can arrive both from the read and as a push. */
const listed = new Set<string>();

function addMessage(event: WireRoomEvent): void {
  if (listed.has(event.event_id)) return;
  listed.add(event.event_id);
  const item = document.createElement("li");
  item.textContent = `${event.sender}: ${String(event.content.body ?? "")}`;
  messages.append(item);
}

async function search(client: WidgetClient, term: string): Promise<void> {
  const { results } = await searchUserDirectory(client, term, { limit: 5 });
  users.replaceChildren(
    ...results.map((user) => {
      const item = document.createElement("li");
      const invite = document.createElement("button");
      invite.type = "button";
      invite.textContent = "Invite";
      // The client asks the user; the widget is not told what they decided.
      invite.addEventListener("click", () => {
        shareUsers(client, [user.user_id], { hint: "invite" }).catch(fail);
      });
      item.append(`${user.display_name ?? user.user_id} (${user.user_id})`);
      if (client.hasCapability(SHARE)) item.append(" ", invite);
      return item;
    }),
  );
}

async function main(): Promise<void> {
  // create() reads widgetId and parentUrl from this page's URL (the host put them there) and
  // resolves once the host has answered the capability request.
  const client = await WidgetClient.create({
    capabilities: [RECEIVE_TEXT, SEND_TEXT, NAVIGATE, SEARCH, SHARE, READ_SETTINGS],
    // Listen before the exchange, so the first pushed message is not refused.
    beforeStart: (c) => {
      onRoomEvent(c, (event) => {
        if (event.type === "m.room.message") addMessage(event);
      });
    },
  });
  // Reading messages is what this widget is for; every other feature shows only when granted,
  // since hosts differ in which proposals they support and users may refuse any of them.
  if (!client.hasCapability(RECEIVE_TEXT)) {
    show("denied", "The host did not allow reading messages.");
    return;
  }
  // Newest first from the host; list them oldest first.
  const recent = await readRoomEvents(client, "m.room.message", { msgtype: "m.text", limit: 10 });
  for (const event of recent.reverse()) addMessage(event);

  if (client.hasCapability(SEND_TEXT)) {
    sendForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = field(sendForm, "body");
      // The sent message comes back through onRoomEvent, like anyone else's.
      sendEvent(client, "m.room.message", { msgtype: "m.text", body: body.value })
        .then(() => (body.value = ""))
        .catch(fail);
    });
    sendForm.hidden = false;
  }
  if (client.hasCapability(SEARCH)) {
    searchForm.addEventListener("submit", (event) => {
      event.preventDefault();
      search(client, field(searchForm, "term").value).catch(fail);
    });
    element("people").hidden = false;
    await search(client, field(searchForm, "term").value);
  }
  if (client.hasCapability(READ_SETTINGS)) {
    const current = await readAccountData(client, SETTINGS_TYPE);
    settings.textContent = current === undefined ? "(not set)" : JSON.stringify(current, null, 2);
    element("account-data").hidden = false;
  }
  if (client.hasCapability(NAVIGATE)) {
    const button = element<HTMLButtonElement>("open-room");
    button.addEventListener("click", () => {
      navigate(client, "https://matrix.to/#/#widgets:example.org").catch(fail);
    });
    button.hidden = false;
  }

  element<HTMLElement>("app").hidden = false;
  show("ready", `Connected to ${client.widgetId}`);
}

main().catch(fail);
