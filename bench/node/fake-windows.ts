// matrix-widget-api's ClientWidgetApi and WidgetApi are tied to `window`, `window.parent` and an
// iframe. For the Node figures they run over this stand-in: one in-process message bus that every
// transport listens on (as each real window has its listeners), delivering a structured clone of
// each message in a microtask, like an asynchronous postMessage without the IPC.
import { WidgetDriver, type Capability, type ISearchUserDirectoryResult } from "matrix-widget-api";

type Listener = (event: { data: unknown; origin: string; source: unknown }) => void;

export const FAKE_HOST_ORIGIN = "https://host.example";
export const FAKE_WIDGET_ORIGIN = "https://widget.example";

export interface FakeWindows {
  /** A fake iframe whose window delivers to the bus, and a function that fires its `load` event. */
  iframe(): { iframe: HTMLIFrameElement; load: () => void };
}

let installed: FakeWindows | undefined;

/** Installs `addEventListener`, `removeEventListener` and `parent` on globalThis (once). */
export function installFakeWindows(): FakeWindows {
  if (installed) return installed;
  const listeners = new Set<Listener>();
  const g = globalThis as unknown as Record<string, unknown>;
  const deliver = (data: unknown, origin: string): void => {
    const copy = structuredClone(data);
    queueMicrotask(() => {
      for (const listener of [...listeners]) listener({ data: copy, origin, source: null });
    });
  };
  g.addEventListener = (type: string, listener: Listener) => {
    if (type === "message") listeners.add(listener);
  };
  g.removeEventListener = (type: string, listener: Listener) => {
    if (type === "message") listeners.delete(listener);
  };
  g.parent = { postMessage: (data: unknown) => deliver(data, FAKE_WIDGET_ORIGIN) };
  installed = {
    iframe() {
      const loads: Array<(event: unknown) => void> = [];
      const iframe = {
        contentWindow: { postMessage: (data: unknown) => deliver(data, FAKE_HOST_ORIGIN) },
        addEventListener: (type: string, listener: (event: unknown) => void) => {
          if (type === "load") loads.push(listener);
        },
      } as unknown as HTMLIFrameElement;
      return { iframe, load: () => loads.forEach((listener) => listener({})) };
    },
  };
  return installed;
}

/** A driver that approves every requested capability and answers directory searches at once. */
export class ApprovingDriver extends WidgetDriver {
  constructor(private readonly result: ISearchUserDirectoryResult) {
    super();
  }
  override validateCapabilities(requested: Set<Capability>): Promise<Set<Capability>> {
    return Promise.resolve(requested);
  }
  override searchUserDirectory(): Promise<ISearchUserDirectoryResult> {
    return Promise.resolve(this.result);
  }
}
