import {
  HostPostMessageTransport,
  WidgetHost,
  type HostPolicy,
  type NavigationTarget,
  updateTheme,
  updateLanguage,
} from "../../src/host/index.js";
import {
  showConfirmation,
  showConsentPrompt,
  showNavigationConfirm,
  showShareConfirm,
  type HostUiOptions,
} from "../../src/host-ui/index.js";
import { describeThrown } from "../../src/core/describe.js";
import { TIMELINE_LINES, type PlaygroundWorld } from "./world.js";
import { createMemoryWorld } from "./world-memory.js";

declare const __PLAYGROUND_CUSTOM_WIDGET__: string | null;
/** The homeserver account without its token (`npm start -- --homeserver …`), or null in memory. */
declare const __PLAYGROUND_HOMESERVER__: { baseUrl: string; userId: string; deviceId: string | null } | null;

const $ = (id: string) => document.getElementById(id) as HTMLElement;

/** The dialogs follow the page's theme and language switches (matrix-widget-kit/host-ui). */
const dialogOptions = (): HostUiOptions => ({
  theme: (document.getElementById("theme") as HTMLSelectElement | null)?.value === "dark" ? "dark" : "light",
  locale: (document.getElementById("language") as HTMLSelectElement | null)?.value ?? "en",
});

/**
 * The world the page shows: a homeserver account when the server was started with one, else the
 * seeded in-memory world. The token is fetched from the playground server, which gives it only to
 * this page's origin (see scripts/playground-server.mjs); matrix-js-sdk is loaded only then.
 */
async function openWorld(): Promise<PlaygroundWorld> {
  const homeserver = __PLAYGROUND_HOMESERVER__;
  if (!homeserver) return createMemoryWorld();
  const response = await fetch("/__playground/homeserver-account", { cache: "no-store" });
  if (!response.ok)
    throw new Error(`The playground server did not hand out the account (${response.status})`);
  const account = (await response.json()) as { accessToken: string };
  const { createMatrixWorld } = await import("./world-matrix.js");
  return createMatrixWorld(
    { ...homeserver, accessToken: account.accessToken },
    { onStatus: (text) => ($("signed-in").textContent = text) },
  );
}

let world: PlaygroundWorld;
try {
  world = await openWorld();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  $("signed-in").textContent = "Not signed in";
  $("room-title").textContent = "The playground could not open its Matrix account";
  const line = document.createElement("li");
  line.className = "error";
  line.textContent = message;
  $("timeline").replaceChildren(line);
  throw error;
}
const driver = world.driver;
const widgetOrigin = `http://127.0.0.1:${location.port}`;
const hostOrigin = location.origin;

interface ExampleWidget {
  id: string;
  name: string;
  url: string;
}
const examples: ExampleWidget[] = [
  { id: "user-picker", name: "User picker", url: `${widgetOrigin}/widgets/user-picker/index.html` },
  { id: "emotes", name: "Emote viewer", url: `${widgetOrigin}/widgets/emotes/index.html` },
  { id: "navigator", name: "Room navigator", url: `${widgetOrigin}/widgets/navigator/index.html` },
  {
    id: "msc4412",
    name: "MSC4412 widget (draft protocol)",
    url: `${widgetOrigin}/widgets/msc4412/index.html`,
  },
  {
    id: "mwa-classic",
    name: "matrix-widget-api widget",
    url: `${widgetOrigin}/widgets/mwa-classic/index.html`,
  },
  { id: "impostor", name: "Impostor (malicious)", url: `${widgetOrigin}/widgets/impostor/index.html` },
];
if (__PLAYGROUND_CUSTOM_WIDGET__) {
  examples.unshift({ id: "custom", name: "Your widget", url: __PLAYGROUND_CUSTOM_WIDGET__ });
}

// ---- rooms -------------------------------------------------------------------------------------

const roomName = (roomId: string) => world.roomName(roomId);

function renderSignedIn(): void {
  const where = __PLAYGROUND_HOMESERVER__
    ? ` (${world.ownUserId} on ${__PLAYGROUND_HOMESERVER__.baseUrl})`
    : "";
  $("signed-in").textContent = `Signed in as ${world.ownDisplayName()}${where}`;
}

function renderRooms(): void {
  const nav = $("rooms");
  nav.replaceChildren();
  for (const [title, ids] of [
    ["Your rooms", world.joinedRooms()],
    ["Public rooms", world.otherRooms()],
  ] as const) {
    // h2: the page's h1 is the only heading above the room list.
    const heading = document.createElement("h2");
    heading.textContent = title;
    nav.append(heading);
    for (const id of ids) {
      const entry = document.createElement("button");
      entry.type = "button";
      entry.textContent = roomName(id);
      entry.dataset.roomId = id;
      entry.setAttribute("aria-current", String(world.viewedRoomId === id));
      entry.addEventListener("click", () => world.view(id));
      nav.append(entry);
    }
  }
}

function renderRoom(): void {
  const roomId = world.viewedRoomId;
  $("room-title").textContent = roomId ? roomName(roomId) : "No room";
  $("room-title").dataset.roomId = roomId ?? "";
  const timeline = $("timeline");
  timeline.replaceChildren();
  if (!roomId) return;
  for (const line of world.timeline(roomId, TIMELINE_LINES)) {
    const item = document.createElement("li");
    item.textContent = `${line.senderName}: ${line.text}`;
    if (line.eventId === world.highlightedEventId) item.style.fontWeight = "bold";
    timeline.append(item);
  }
  host?.setViewedRoomId(roomId);
}

world.onChange((change) => {
  switch (change.kind) {
    case "viewed":
      renderRooms();
      renderRoom();
      break;
    case "rooms":
      renderSignedIn();
      renderRooms();
      renderRoom();
      break;
    case "timeline":
      if (change.roomId === world.viewedRoomId) renderRoom();
      break;
  }
});

// ---- log ---------------------------------------------------------------------------------------

// The traffic log is a list a screen-reader user can read at will, not a live region: every
// request's trace line read out as it comes would drown what matters. What matters (sessions
// starting and ending, errors, what became of the user's own actions) goes to a polite status
// region (#announcements) as well.

/** Adds a line to the traffic log, and only there: traces and other lines nobody needs read out. */
function log(line: string, error = false): void {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString()} ${line}`;
  if (error) item.className = "error";
  $("log").prepend(item);
}

let lastAnnouncement = "";
let repeated = 1;

/**
 * Says `text` through the status region. The same text again would change nothing there, so
 * nothing would be read: a repeat says how often it came instead.
 */
function announce(text: string): void {
  repeated = text === lastAnnouncement ? repeated + 1 : 1;
  lastAnnouncement = text;
  $("announcements").textContent = repeated > 1 ? `${text} (${repeated} times)` : text;
}

/** An event worth hearing: logged, and announced (an error says so in words, not only in red). */
function report(line: string, error = false): void {
  log(line, error);
  announce(error ? `Error: ${line}` : line);
}

// ---- policy ------------------------------------------------------------------------------------

const remembered = new Map<string, Set<string>>();

function policyFor(widget: ExampleWidget): HostPolicy {
  return {
    async approveCapabilities(request) {
      const known = remembered.get(widget.url);
      if (known && request.requested.every((capability) => known.has(capability))) return request.requested;
      const decision = await showConsentPrompt(request, { ...dialogOptions(), widgetName: widget.name });
      if (decision.remember) remembered.set(widget.url, new Set([...(known ?? []), ...decision.granted]));
      return decision;
    },
    // The playground is a sandbox: sensitive types may be granted, after the consent dialog warned.
    allowSensitiveAccountData: () => true,
    async allowNavigation(target: NavigationTarget, identity, decision) {
      const resolved = await world.resolveNavigationTarget(target).catch(() => undefined);
      if (resolved?.kind === "room" && !resolved.joined) {
        return showNavigationConfirm(target, identity, {
          ...dialogOptions(),
          // Closes (refusing) when the host stops waiting: a reload, or the decision deadline. Left
          // open, it would hold every later question in host-ui's line, the reload's own included.
          ...(decision ? { signal: decision.signal } : {}),
          widgetName: widget.name,
          targetName: roomName(resolved.roomId),
          note: "You are not in this room.",
        });
      }
      return true;
    },
    // OpenID consent in the policy, where the request's signal closes the question when the host
    // stops waiting (a reload, the deadline): a question left open would hold every later one in
    // host-ui's line. The driver is then asked only for the token.
    approveOpenId: (request) =>
      showConfirmation(
        {
          heading: "Verify your identity to a widget?",
          message:
            "A widget wants to confirm your Matrix ID with its own server (OpenID). It learns who you are: {subject}",
          subject: world.ownUserId,
          confirmLabel: "Allow",
          kind: "confirm",
        },
        { ...dialogOptions(), widgetName: widget.name, signal: request.signal },
      ),
    confirmShare: (request) =>
      showShareConfirm(request, {
        ...dialogOptions(),
        widgetName: widget.name,
        ...(world.viewedRoomId ? { roomName: roomName(world.viewedRoomId) } : {}),
      }),
    shareFinished: (outcome) =>
      outcome.error !== undefined
        ? report(`share failed: ${outcome.error}`, true)
        : report(`share: ${outcome.decision?.action ?? "unknown"}`),
  };
}

// ---- the widget --------------------------------------------------------------------------------

let host: WidgetHost | undefined;
let current: ExampleWidget | undefined;

function widgetUrl(widget: ExampleWidget): string {
  const url = new URL(widget.url);
  url.searchParams.set("widgetId", widget.id);
  url.searchParams.set("parentUrl", hostOrigin);
  url.searchParams.set("theme", ($("theme") as HTMLSelectElement).value);
  url.searchParams.set("lang", ($("language") as HTMLSelectElement).value);
  return url.toString();
}

function embed(widget: ExampleWidget): void {
  host?.destroy();
  current = widget;
  const iframe = document.createElement("iframe");
  iframe.title = widget.name;
  iframe.allow = "clipboard-write";
  const origin = new URL(widget.url).origin;
  host = new WidgetHost({
    widgetId: widget.id,
    transport: new HostPostMessageTransport({ iframe, widgetOrigin: origin }),
    driver,
    policy: policyFor(widget),
    origin,
    ...(world.viewedRoomId ? { viewedRoomId: world.viewedRoomId } : {}),
  });
  host.on("trace", (entry) => {
    log(
      `${entry.direction} ${entry.action} ${entry.durationMs.toFixed(1)} ms${entry.error ? ` — ${entry.error}` : ""}`,
      !entry.ok,
    );
    // A failed request is announced without its timing; a successful one only logged.
    if (!entry.ok)
      announce(`Error: ${widget.name}: ${entry.action} failed${entry.error ? `: ${entry.error}` : ""}`);
  });
  host.on("ready", ({ granted }) =>
    report(`${widget.name}: session ready; granted: ${granted.join(", ") || "nothing"}`),
  );
  host.on("sessionEnded", ({ reason }) => report(`${widget.name}: session ended: ${reason}`));
  iframe.src = widgetUrl(widget);
  $("widget-frame").replaceChildren(iframe);
}

const select = $("widget-select") as HTMLSelectElement;
for (const widget of examples) select.append(new Option(widget.name, widget.id));
select.addEventListener("change", () => embed(examples.find((w) => w.id === select.value) ?? examples[0]!));
$("reload-widget").addEventListener("click", () => current && embed(current));

/** The room widgets' running hosts, on a homeserver (room-widgets.ts); none in memory. */
let roomWidgetHosts: () => Array<{ name: string; host: WidgetHost }> = () => [];

/** Every widget running on the page: the example widget and the room's widgets. */
function runningWidgets(): Array<{ name: string; host: WidgetHost }> {
  return [...(host && current ? [{ name: current.name, host }] : []), ...roomWidgetHosts()];
}

/** The outcome of a theme_change or language_change for one widget, in the log only. */
function logSwitch(what: string, name: string, sent: Promise<boolean>): void {
  sent.then(
    (ok) => log(`${what} → ${name}: ${ok ? "sent" : "not sent (no MSC2873, or the session ended first)"}`),
    (error: unknown) => log(`${what} → ${name} failed: ${describeThrown(error)}`, true),
  );
}

// Theme and language switches reach every running widget (MSC2873), not only the next load's URL;
// widgets loaded later get them in their URL (`theme`/`lang`, or a room widget's template).
$("theme").addEventListener("change", () => {
  const name = ($("theme") as HTMLSelectElement).value;
  document.body.classList.toggle("dark", name === "dark");
  for (const widget of runningWidgets())
    logSwitch(`theme_change ${name}`, widget.name, updateTheme(widget.host, { name }));
});
$("language").addEventListener("change", () => {
  const lang = ($("language") as HTMLSelectElement).value;
  for (const widget of runningWidgets())
    logSwitch(`language_change ${lang}`, widget.name, updateLanguage(widget.host, lang));
});

renderSignedIn();
renderRooms();
renderRoom();
embed(examples[0]!);
// For the browser tests and the console: the world's own objects (in memory: the MatrixWorld and
// MemoryDriver; on a homeserver: this page's world, the driver and the matrix-js-sdk client).
Object.assign(window, {
  playground: {
    ...world.exposed,
    get host() {
      return host;
    },
  },
});

// On a homeserver account, the viewed room's widgets from its state, run by a WidgetManager, and
// a form to add one (see room-widgets.ts).
if (__PLAYGROUND_HOMESERVER__) {
  const { showRoomWidgets } = await import("./room-widgets.js");
  const widgetManager = showRoomWidgets({
    world,
    policyFor,
    report,
    // The example widgets read `theme` and `lang` from their URL; a room widget's URL is a
    // template the manager fills in with the page's theme and language when it loads.
    suggestedUrl: `${widgetOrigin}/widgets/emotes/index.html?theme=$org.matrix.msc2873.client_theme&lang=$org.matrix.msc2873.client_language`,
    theme: () => ($("theme") as HTMLSelectElement).value,
    language: () => ($("language") as HTMLSelectElement).value,
    started(name, roomHost) {
      const theme = ($("theme") as HTMLSelectElement).value;
      const lang = ($("language") as HTMLSelectElement).value;
      logSwitch(`theme_change ${theme}`, name, updateTheme(roomHost, { name: theme }));
      logSwitch(`language_change ${lang}`, name, updateLanguage(roomHost, lang));
    },
  });
  roomWidgetHosts = () =>
    widgetManager.watchedRooms.flatMap((roomId) =>
      widgetManager
        .widgets(roomId)
        .flatMap((widget) =>
          widget.host ? [{ name: widget.definition.name ?? widget.definition.id, host: widget.host }] : [],
        ),
    );
  Object.assign((window as unknown as { playground: object }).playground, { widgetManager });
}
