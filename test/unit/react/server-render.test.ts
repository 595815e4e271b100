// Server rendering of the React bindings in Node, with no DOM: the provider and every hook render
// their initial (connecting / loading) state, and nothing reads window, document or location.
import { createElement, StrictMode, type ReactNode } from "react";
import { renderToString } from "react-dom/server";
import { afterEach, describe, expect, it } from "vitest";
import {
  WidgetClientProvider,
  useAccountData,
  useCapabilities,
  useLanguage,
  useRoomEvents,
  useStateEvents,
  useTheme,
  useUserDirectorySearch,
  useWidgetClient,
} from "../../../src/react/index.js";

function App(): ReactNode {
  const connection = useWidgetClient();
  const capabilities = useCapabilities();
  const messages = useRoomEvents("m.room.message");
  const topic = useStateEvents("m.room.topic", { stateKey: "" });
  const settings = useAccountData("org.example.settings");
  const search = useUserDirectorySearch("alice");
  const theme = useTheme();
  const language = useLanguage();
  return createElement(
    "dl",
    null,
    `client=${connection.status};`,
    `granted=${capabilities.granted.length};`,
    `messages=${messages.status}/${messages.events.length};`,
    `topic=${topic.status}/${topic.events.length};`,
    `settings=${settings.status};`,
    `search=${search.status};`,
    `theme=${JSON.stringify(theme)};`,
    `language=${String(language)}`,
  );
}

const BROWSER_GLOBALS = ["window", "document", "location", "self", "parent", "addEventListener"] as const;
const touched: string[] = [];

/** Makes every browser global a trap that records the read and throws, as it would in Node. */
function trapBrowserGlobals(): void {
  for (const name of BROWSER_GLOBALS) {
    expect(Object.prototype.hasOwnProperty.call(globalThis, name)).toBe(false);
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.push(name);
        throw new ReferenceError(`${name} is not defined`);
      },
    });
  }
}

afterEach(() => {
  for (const name of BROWSER_GLOBALS) delete (globalThis as Record<string, unknown>)[name];
  touched.length = 0;
});

describe("matrix-widget-kit/react on the server", () => {
  it("renders the provider and every hook under StrictMode in the connecting state without touching window, document or location", () => {
    trapBrowserGlobals();
    const html = renderToString(
      createElement(
        StrictMode,
        null,
        createElement(
          WidgetClientProvider,
          {
            // No widget ID, no host origin: creating a client here would throw at once.
            options: { capabilities: ["org.matrix.msc2931.navigate"] },
            theme: { name: "light" },
            language: "de",
          },
          createElement(App),
        ),
      ),
    );
    expect(touched).toEqual([]);
    expect(html).toContain("client=connecting;");
    expect(html).toContain("granted=0;");
    expect(html).toContain("messages=loading/0;");
    expect(html).toContain("topic=loading/0;");
    expect(html).toContain("settings=loading;");
    // Searching until the client connects: the term is not empty, so an answer is coming.
    expect(html).toContain("search=searching;");
    expect(html).toContain("theme={&quot;name&quot;:&quot;light&quot;};");
    expect(html).toContain("language=de");
  });

  it("a hook outside the provider throws an error naming the provider", () => {
    expect(() => renderToString(createElement(App))).toThrow(
      /useWidgetClient must be used inside a <WidgetClientProvider>/,
    );
  });
});
