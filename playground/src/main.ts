import {
  HostPostMessageTransport,
  WidgetHost,
  type HostPolicy,
  type NavigationTarget,
} from "../../src/host/index.js";
import { MemoryDriver, seedDemoWorld, type MatrixWorld } from "../../src/drivers/memory/index.js";
import { askCapabilities, askShare, confirmAction } from "./dialogs.js";

declare const __PLAYGROUND_CUSTOM_WIDGET__: string | null;

const world: MatrixWorld = seedDemoWorld();
const driver = new MemoryDriver(world);
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
    id: "mwa-classic",
    name: "matrix-widget-api widget",
    url: `${widgetOrigin}/widgets/mwa-classic/index.html`,
  },
  { id: "impostor", name: "Impostor (malicious)", url: `${widgetOrigin}/widgets/impostor/index.html` },
];
if (__PLAYGROUND_CUSTOM_WIDGET__) {
  examples.unshift({ id: "custom", name: "Your widget", url: __PLAYGROUND_CUSTOM_WIDGET__ });
}

const $ = (id: string) => document.getElementById(id) as HTMLElement;

// ---- rooms -------------------------------------------------------------------------------------

function roomName(roomId: string): string {
  const room = world.getRoom(roomId);
  if (room?.name ?? room?.canonicalAlias) return (room.name ?? room.canonicalAlias) as string;
  // A DM has no name: show the other people in it, as clients do.
  const others = [...(room?.joinedMembers ?? []), ...(room?.invitedMembers ?? [])].filter(
    (id) => id !== world.ownUserId,
  );
  return others.length ? others.map((id) => world.getProfile(id)?.displayName ?? id).join(", ") : roomId;
}

function renderRooms(): void {
  const nav = $("rooms");
  nav.replaceChildren();
  const joined = world.roomsOf(world.ownUserId, "join");
  const others = world.listRoomIds().filter((id) => !joined.includes(id) && world.getRoom(id)?.isPublic);
  for (const [title, ids] of [
    ["Your rooms", joined],
    ["Public rooms", others],
  ] as const) {
    const heading = document.createElement("h3");
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
  for (const event of world.timeline(roomId).slice(-12)) {
    const item = document.createElement("li");
    const body = typeof event.content.body === "string" ? event.content.body : event.type;
    item.textContent = `${world.getProfile(event.sender)?.displayName ?? event.sender}: ${body}`;
    if (event.event_id === world.highlightedEventId) item.style.fontWeight = "bold";
    timeline.append(item);
  }
  host?.setViewedRoomId(roomId);
}

world.on("viewedRoom", () => {
  renderRooms();
  renderRoom();
});
world.on("membership", () => renderRooms());
world.on("event", (event) => {
  if (event.room_id === world.viewedRoomId) renderRoom();
});

// ---- log ---------------------------------------------------------------------------------------

function log(line: string, error = false): void {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString()} ${line}`;
  if (error) item.className = "error";
  $("log").prepend(item);
}

// ---- policy ------------------------------------------------------------------------------------

const remembered = new Map<string, Set<string>>();

function policyFor(widget: ExampleWidget): HostPolicy {
  return {
    async approveCapabilities({ requested, renegotiation }) {
      const known = remembered.get(widget.url);
      if (known && requested.every((capability) => known.has(capability))) return requested;
      const { approved, remember } = await askCapabilities(widget.name, requested, renegotiation);
      if (remember) remembered.set(widget.url, new Set([...(known ?? []), ...approved]));
      return approved;
    },
    // The playground is a sandbox: sensitive types may be granted, after the consent dialog warned.
    allowSensitiveAccountData: () => true,
    async allowNavigation(target: NavigationTarget) {
      const resolved = await driver.resolveNavigationTarget(target).catch(() => undefined);
      if (resolved && "roomId" in resolved && !resolved.joined) {
        return confirmAction(
          `The widget wants to show you ${roomName(resolved.roomId)}, a room you are not in. Go there?`,
        );
      }
      return true;
    },
    confirmShare: (request) =>
      askShare(request, world.viewedRoomId ? roomName(world.viewedRoomId) : undefined),
    shareFinished: (outcome) =>
      outcome.error !== undefined
        ? log(`share failed: ${outcome.error}`, true)
        : log(`share: ${outcome.decision?.action ?? "unknown"}`),
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
  host.on("trace", (entry) =>
    log(
      `${entry.direction} ${entry.action} ${entry.durationMs.toFixed(1)} ms${entry.error ? ` — ${entry.error}` : ""}`,
      !entry.ok,
    ),
  );
  host.on("ready", ({ granted }) => log(`session ready; granted: ${granted.join(", ") || "nothing"}`));
  host.on("sessionEnded", ({ reason }) => log(`session ended: ${reason}`));
  iframe.src = widgetUrl(widget);
  $("widget-frame").replaceChildren(iframe);
}

const select = $("widget-select") as HTMLSelectElement;
for (const widget of examples) select.append(new Option(widget.name, widget.id));
select.addEventListener("change", () => embed(examples.find((w) => w.id === select.value) ?? examples[0]!));
$("reload-widget").addEventListener("click", () => current && embed(current));

$("signed-in").textContent =
  `Signed in as ${world.getProfile(world.ownUserId)?.displayName ?? world.ownUserId}`;
renderRooms();
renderRoom();
embed(examples[0]!);
Object.assign(window, {
  playground: {
    world,
    driver,
    get host() {
      return host;
    },
  },
});
