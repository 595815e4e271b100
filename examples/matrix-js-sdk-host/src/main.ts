// A Matrix client page that hosts one widget: matrix-js-sdk talks to the homeserver, a
// MatrixClientDriver lets the WidgetHost act through it, and the host reaches the widget's iframe
// over postMessage, accepting messages from the widget's origin only.
import { ClientEvent, SyncState, createClient, type MatrixClient } from "matrix-js-sdk";
import { MatrixClientDriver } from "matrix-widget-kit/drivers/matrix-js-sdk";
import { HostPostMessageTransport, WidgetHost, renderWidgetUrl } from "matrix-widget-kit/host";
import { dialogPolicy } from "./policy.js";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from index.html`);
  return found as T;
}

const signInForm = element<HTMLFormElement>("sign-in");
const embedForm = element<HTMLFormElement>("embed");
const status = element<HTMLParagraphElement>("status");
const slot = element<HTMLDivElement>("widget");

function show(state: string, text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

function value(form: HTMLFormElement, name: string): string {
  const input = form.elements.namedItem(name);
  if (!(input instanceof HTMLInputElement || input instanceof HTMLSelectElement)) {
    throw new Error(`the form has no field "${name}"`);
  }
  return input.value.trim();
}

/** Resolves after the first sync, so rooms, state and account data are in the client's store. */
function firstSync(client: MatrixClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const onSync = (state: SyncState) => {
      if (state === SyncState.Prepared || state === SyncState.Syncing) {
        client.off(ClientEvent.Sync, onSync);
        resolve();
      } else if (state === SyncState.Error) {
        client.off(ClientEvent.Sync, onSync);
        reject(new Error("the first sync failed"));
      }
    };
    client.on(ClientEvent.Sync, onSync);
  });
}

async function signIn(baseUrl: string, accessToken: string): Promise<MatrixClient> {
  // whoami checks the token, and gives the user and device IDs the client needs.
  const me = await createClient({ baseUrl, accessToken }).whoami();
  const client = createClient({
    baseUrl,
    accessToken,
    userId: me.user_id,
    ...(me.device_id === undefined ? {} : { deviceId: me.device_id }),
  });
  const synced = firstSync(client);
  await client.startClient({ initialSyncLimit: 20 });
  await synced;
  return client;
}

let current: { host: WidgetHost; iframe: HTMLIFrameElement } | undefined;

function embed(client: MatrixClient, roomId: string, url: string): void {
  current?.host.destroy();
  current?.iframe.remove();
  const userId = client.getSafeUserId();
  const widgetId = `example-${Date.now().toString(36)}`;
  // Fills in template variables and adds widgetId and parentUrl, as every host does; refuses
  // anything that is not http(s).
  const src = renderWidgetUrl(
    { id: widgetId, url },
    { parentUrl: location.href, userId, roomId, baseUrl: client.getHomeserverUrl() },
  );
  if (src === undefined) throw new Error("only http: and https: widget URLs can be loaded");

  const iframe = document.createElement("iframe");
  iframe.title = "Widget";
  iframe.sandbox.add("allow-scripts", "allow-same-origin", "allow-forms", "allow-popups");
  const driver = new MatrixClientDriver(client, {
    onNavigate(resolved) {
      // A real client routes to the room or user; this page only says where it would go.
      show("navigated", `The widget asked to open ${JSON.stringify(resolved)}`);
    },
  });
  const host = new WidgetHost({
    widgetId,
    // Pinned to the widget's origin: messages from any other origin are ignored, and replies
    // are posted to that origin only.
    transport: new HostPostMessageTransport({ iframe, widgetOrigin: new URL(src).origin }),
    driver,
    policy: dialogPolicy(),
    viewedRoomId: roomId,
  });
  host.on("ready", ({ granted }) => show("ready", `The widget is connected; granted: ${granted.join(", ")}`));
  // The host listens before the frame loads, so the widget's first message is not missed.
  iframe.src = src;
  slot.replaceChildren(iframe);
  current = { host, iframe };
}

let client: MatrixClient | undefined;

signInForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const baseUrl = value(signInForm, "baseUrl");
  show("signing-in", `Signing in to ${baseUrl}…`);
  signIn(baseUrl, value(signInForm, "accessToken"))
    .then((signedIn) => {
      client = signedIn;
      const select = embedForm.elements.namedItem("roomId");
      if (!(select instanceof HTMLSelectElement)) throw new Error("the form has no room list");
      const joined = signedIn.getRooms().filter((room) => room.getMyMembership() === "join");
      select.replaceChildren(...joined.map((room) => new Option(room.name || room.roomId, room.roomId)));
      signInForm.hidden = true;
      embedForm.hidden = false;
      show("signed-in", `Signed in as ${signedIn.getSafeUserId()}; ${joined.length} rooms.`);
    })
    // The error's message, never the request: a failed request's URL could carry the token.
    .catch((error: unknown) => show("error", error instanceof Error ? error.message : "sign-in failed"));
});

embedForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!client) return;
  try {
    embed(client, value(embedForm, "roomId"), value(embedForm, "widgetUrl"));
    show("loading", "Loading the widget…");
  } catch (error) {
    show("error", error instanceof Error ? error.message : String(error));
  }
});
