// The viewed room's widgets, as its state defines them (`im.vector.modular.widgets` and
// `m.widget`), run by a WidgetManager: each gets its own frame and host under the page's policy.
// A form adds a widget to the room by writing `im.vector.modular.widgets` state, as Element does.
//
// MSC2764 asks clients to ask before loading a widget someone else added, so widgets the user
// added load at once and the others wait for a click on "Load".
import {
  HostPostMessageTransport,
  WidgetManager,
  widgetStateContent,
  type HostPolicy,
  type ManagedWidget,
  type WidgetMount,
  type WidgetHost,
  type WidgetMountRequest,
} from "../../src/host/index.js";
import { describeThrown } from "../../src/core/describe.js";
import type { PlaygroundWorld } from "./world.js";

/** What the page lends the panel. */
export interface RoomWidgetsOptions {
  world: PlaygroundWorld;
  /** The page's policy for a widget (consent dialogs and the rest). */
  policyFor(widget: { id: string; name: string; url: string }): HostPolicy;
  /** Logs an event in the page's traffic log and announces it (the panel's events all matter). */
  report(line: string, error?: boolean): void;
  /** The URL the add form suggests. */
  suggestedUrl: string;
  /** The theme and language for URL templates. */
  theme(): string;
  language(): string;
  /**
   * A room widget's host started: the page sends it the current theme and language once its
   * session is ready, as Element does after `notify_capabilities`, since a room widget's URL is
   * someone else's template and need not ask for them.
   */
  started(name: string, host: WidgetHost): void;
}

const STYLE = `
#room-widgets { border-top: 1px solid #8884; padding: 0.4rem 0; font-size: 0.85rem; max-height: 45%; overflow: auto; }
#room-widgets h3 { font-size: 0.9rem; margin: 0.2rem 0; }
#room-widgets ul { list-style: none; margin: 0; padding: 0; }
#room-widgets li { margin: 0.3rem 0; }
#room-widgets li .meta { opacity: 0.75; margin: 0 0.4rem; }
#room-widgets iframe { display: block; width: 100%; height: 12rem; border: 1px solid #8886; border-radius: 6px; }
#room-widgets form { display: flex; gap: 0.4rem; flex-wrap: wrap; margin-top: 0.4rem; }
#room-widgets label:has(input[name="url"]) { flex: 1; display: flex; gap: 0.3rem; align-items: center; }
#room-widgets input[name="url"] { flex: 1; min-width: 14rem; }
`;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Builds the panel under the room's timeline and starts following the viewed room. */
export function showRoomWidgets(options: RoomWidgetsOptions): WidgetManager {
  const { world, report } = options;
  const driver = world.driver;

  const style = element("style", STYLE);
  document.head.append(style);
  const panel = element("section");
  panel.id = "room-widgets";
  const list = element("ul");
  const form = element("form");
  const name = element("input");
  name.name = "name";
  name.value = "Room widget";
  const url = element("input");
  url.name = "url";
  url.type = "url";
  url.required = true;
  url.value = options.suggestedUrl;
  // Visible labels: a placeholder or aria-label alone leaves sighted users guessing once filled in.
  const labelled = (text: string, input: HTMLInputElement) => {
    const label = element("label", text);
    label.append(input);
    return label;
  };
  const add = element("button", "Add widget to room");
  add.type = "submit";
  form.append(labelled("Name ", name), labelled("URL ", url), add);
  const heading = element("h3", "Room widgets (from room state)");
  heading.id = "room-widgets-heading";
  panel.setAttribute("aria-labelledby", heading.id);
  panel.append(heading, list, form);
  document.getElementById("room")?.append(panel);

  /** Frames of loaded widgets, by manager key. */
  const frames = new Map<string, HTMLIFrameElement>();
  /** Mounts waiting for the user's "Load", by manager key. */
  const waiting = new Map<
    string,
    { request: WidgetMountRequest; resolve(mount: WidgetMount | undefined): void }
  >();

  function mountNow(request: WidgetMountRequest, key: string): WidgetMount {
    const iframe = element("iframe");
    const label = request.widget.name ?? request.widget.id;
    iframe.title = label;
    iframe.dataset.widgetId = request.widget.id;
    frames.set(key, iframe);
    lineOf(key).item.append(iframe);
    const transport = new HostPostMessageTransport({ iframe, widgetOrigin: request.origin });
    // Set after the transport listens, so the frame's load event is not missed.
    iframe.src = request.url;
    render();
    return {
      transport,
      policy: options.policyFor({ id: request.widget.id, name: label, url: request.widget.url }),
      unmount: () => {
        iframe.remove();
        if (frames.get(key) === iframe) frames.delete(key);
      },
    };
  }

  const keyOf = (request: WidgetMountRequest) => `${request.widget.roomId ?? "account"}|${request.widget.id}`;

  const manager = new WidgetManager({
    driver,
    renderContext: () => ({
      userId: world.ownUserId,
      displayName: world.ownDisplayName(),
      clientId: "io.github.matrix-widget-kit.playground",
      clientTheme: options.theme(),
      clientLanguage: options.language(),
      ...(driver.deviceId === undefined ? {} : { deviceId: driver.deviceId }),
      parentUrl: location.href,
    }),
    mount: (request) => {
      const key = keyOf(request);
      if (request.widget.sender === world.ownUserId) return mountNow(request, key);
      return new Promise((resolve) => {
        waiting.set(key, { request, resolve });
        render();
      });
    },
  });

  const settle = (key: string) => {
    // A widget that left or changed while waiting for "Load" is not loaded.
    waiting.get(key)?.resolve(undefined);
    waiting.delete(key);
  };
  manager.on("added", ({ widget }) => {
    report(`room widget added: ${widget.definition.name ?? widget.definition.id}`);
    render();
  });
  manager.on("changed", ({ widget, restarted }) => {
    if (restarted) settle(widget.key);
    report(`room widget changed: ${widget.definition.id}${restarted ? " (new session)" : ""}`);
    render();
  });
  manager.on("removed", ({ widget }) => {
    settle(widget.key);
    report(`room widget removed: ${widget.definition.id}`);
    render();
  });
  manager.on("started", ({ widget, host }) => {
    options.started(widget.definition.name ?? widget.definition.id, host);
    host.on("ready", ({ granted }) =>
      report(
        `${widget.definition.name ?? widget.definition.id}: session ready; granted: ${granted.join(", ") || "nothing"}`,
      ),
    );
    render();
  });
  manager.on("ended", () => render());
  manager.on("layout", () => render());
  manager.on("problem", ({ id, reason }) => report(`room widget ${id} not shown: ${reason}`, true));

  /** One line per widget, kept while the widget is listed: moving a frame would reload it. */
  const lines = new Map<string, { item: HTMLLIElement; text: HTMLElement; controls: HTMLElement }>();
  const empty = element("li", "No widgets in this room's state.");

  function lineOf(key: string): { item: HTMLLIElement; text: HTMLElement; controls: HTMLElement } {
    let line = lines.get(key);
    if (line === undefined) {
      const item = element("li");
      const text = element("span");
      const controls = element("span");
      item.append(text, controls);
      line = { item, text, controls };
      lines.set(key, line);
      list.append(item);
    }
    return line;
  }

  function fill(widget: ManagedWidget, roomId: string): void {
    const { definition } = widget;
    const { item, text, controls } = lineOf(widget.key);
    item.dataset.widgetId = definition.id;
    const hint = manager.layout(roomId)[definition.id];
    const where = hint === undefined ? "" : `, ${hint.container}`;
    const pending = waiting.get(widget.key);
    // The origin the frame loads is the templated URL's: a template such as
    // `https://app.example.org$org.example.suffix` can name another host once it is filled in.
    const shown = pending?.request.url ?? widget.url ?? definition.url;
    let origin = shown;
    try {
      origin = new URL(shown).origin;
    } catch {
      // A template that does not parse before templating is shown as it is.
    }
    const meta = element("span", `${definition.type} from ${origin}, added by ${definition.sender}${where}`);
    meta.className = "meta";
    text.replaceChildren(element("strong", definition.name ?? definition.id), meta);
    controls.replaceChildren();
    if (pending !== undefined) {
      const load = element("button", "Load");
      load.type = "button";
      // Every line has a "Load" and a "Remove": the name says which widget's (the visible word first).
      load.setAttribute("aria-label", `Load ${definition.name ?? definition.id}`);
      load.addEventListener("click", () => {
        waiting.delete(widget.key);
        pending.resolve(mountNow(pending.request, widget.key));
      });
      controls.append(load);
    }
    const remove = element("button", "Remove");
    remove.type = "button";
    remove.setAttribute("aria-label", `Remove ${definition.name ?? definition.id}`);
    remove.addEventListener("click", () => {
      void driver
        .sendEvent?.("im.vector.modular.widgets", {}, { roomId, stateKey: definition.id })
        .catch((error: unknown) =>
          report(`removing ${definition.id} failed: ${describeThrown(error)}`, true),
        );
    });
    controls.append(remove);
  }

  function render(): void {
    const roomId = world.viewedRoomId;
    const widgets = roomId === undefined ? [] : manager.widgets(roomId);
    const keys = new Set(widgets.map((widget) => widget.key));
    for (const [key, line] of lines) {
      if (keys.has(key)) continue;
      line.item.remove();
      lines.delete(key);
    }
    for (const widget of widgets) fill(widget, roomId!);
    if (widgets.length === 0) list.append(empty);
    else empty.remove();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const roomId = world.viewedRoomId;
    if (roomId === undefined || driver.sendEvent === undefined) return;
    const id = `playground_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const content = widgetStateContent({
      id,
      type: "m.custom",
      url: url.value,
      name: name.value || id,
      creatorUserId: world.ownUserId,
      data: {},
    });
    add.disabled = true;
    driver
      .sendEvent("im.vector.modular.widgets", content, { roomId, stateKey: id })
      .then(
        () => report(`added widget ${id} to the room's state`),
        (error: unknown) => report(`adding a widget failed: ${describeThrown(error)}`, true),
      )
      .finally(() => (add.disabled = false));
  });

  let watched: string | undefined;
  const follow = () => {
    const roomId = world.viewedRoomId;
    if (roomId === watched) return;
    if (watched !== undefined) manager.unwatchRoom(watched);
    watched = roomId;
    if (roomId !== undefined) void manager.watchRoom(roomId);
    render();
  };
  world.onChange((change) => {
    if (change.kind === "viewed" || change.kind === "rooms") follow();
  });
  follow();
  return manager;
}
