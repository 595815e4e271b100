// Renders the React bindings in Node, without a DOM, against our WidgetHost on the in-memory
// world. The components under test render nothing and record what their hooks return, so
// react-dom's client only needs a container that looks like an element, a `window` to read
// `window.event` from, and an owner document for its focus bookkeeping: no host element is ever
// created. Faster and more exact about timing than the Chromium test, which covers the real DOM.
import { createElement, type ReactNode } from "react";
import { createRoot, type Root } from "react-dom/client";
import { silentLogger } from "../../../src/core/logger.js";
import { MemoryDriver } from "../../../src/drivers/memory/driver.js";
import type { MatrixWorld } from "../../../src/drivers/memory/world.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { WidgetClientProvider } from "../../../src/react/index.js";
import { createTestWorld, TEST_ROOM_ID } from "../../../src/testing/index.js";
import { createMemoryTransportPair, type MemoryTransportPair } from "../../../src/transport/memory.js";
import type { WidgetClientOptions } from "../../../src/widget/widget-client.js";

// react-dom reads `window.event` to prioritise updates; Node has no window.
(globalThis as Record<string, unknown>).window ??= globalThis;

function detachedContainer(): Element {
  const doc: Record<string, unknown> = {
    nodeType: 9,
    activeElement: null,
    body: null,
    addEventListener() {},
    removeEventListener() {},
  };
  doc["defaultView"] = { document: doc, HTMLIFrameElement: class {} };
  return {
    nodeType: 1,
    nodeName: "DIV",
    tagName: "DIV",
    namespaceURI: "http://www.w3.org/1999/xhtml",
    ownerDocument: doc,
    addEventListener() {},
    removeEventListener() {},
    textContent: "",
  } as unknown as Element;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every few ms until it holds; throws after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("waitFor: condition not met in time");
    await sleep(2);
  }
}

/** A host on the in-memory world and a React root whose provider connects to it. */
export interface NodeRoot {
  readonly world: MatrixWorld;
  readonly host: WidgetHost;
  readonly transports: MemoryTransportPair;
  /** The provider's options: a memory transport to the host, every capability approved. */
  readonly options: WidgetClientOptions;
  readonly root: Root;
  /** Renders `tree` under a provider with {@link options}; starts the host at the first call. */
  render(tree: ReactNode): void;
  /** Renders `tree` as it is (for a test that places the provider itself); starts the host. */
  renderBare(tree: ReactNode): void;
  /** Unmounts the tree and destroys the host. */
  close(): void;
}

/** Creates a {@link NodeRoot}; `driver` may slow or hold the host's reads. */
export function nodeRoot({
  capabilities = [],
  driver: makeDriver = (world) => new MemoryDriver(world),
}: {
  capabilities?: string[];
  driver?: (world: MatrixWorld) => MemoryDriver;
} = {}): NodeRoot {
  const world = createTestWorld();
  const transports = createMemoryTransportPair();
  const host = new WidgetHost({
    logger: silentLogger,
    widgetId: "react-widget",
    viewedRoomId: TEST_ROOM_ID,
    transport: transports.host,
    driver: makeDriver(world),
    policy: { approveCapabilities: ({ requested }) => requested },
  });
  const options: WidgetClientOptions = {
    widgetId: "react-widget",
    transport: transports.widget,
    capabilities,
    logger: silentLogger,
  };
  const root = createRoot(detachedContainer());
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    // The memory transport has no frame: this stands for the iframe's load event.
    host.start();
  };
  return {
    world,
    host,
    transports,
    options,
    root,
    render(tree) {
      root.render(createElement(WidgetClientProvider, { options }, tree));
      start();
    },
    renderBare(tree) {
      root.render(tree);
      start();
    },
    close() {
      root.unmount();
      host.destroy();
    },
  };
}
