// I5 at the transport boundary, in Node: the postMessage transports run against fake windows, and
// fast-check generates message events from every combination of source window and origin,
// including lookalikes of the expected origin (prefixes, extensions, other ports and schemes,
// "null"). A message is passed on exactly when both the window and the exact origin match, and
// the transports only ever post to that one window and origin.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exactOrigin } from "../../../src/transport/origin.js";
import { HostPostMessageTransport } from "../../../src/transport/post-message-host.js";
import { WidgetPostMessageTransport } from "../../../src/transport/post-message-widget.js";
import { FakeWindow, fakeHostPage, lookalikes } from "./fake-windows.js";
import { fuzzParams, fuzzTimeout } from "./support.js";

const scheme = fc.constantFrom("http", "https");
const port = fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined });
/** A real origin: scheme, a domain or IPv4 address, and maybe a port; serialized like URL.origin. */
const origin = fc
  .tuple(scheme, fc.oneof(fc.domain(), fc.ipV4()), port)
  .map(([s, host, p]) => new URL(`${s}://${host}${p === undefined ? "" : `:${p}`}`).origin)
  .filter((o) => o !== "null");

/** The origin the transport is configured with, written as an origin or as a full widget URL. */
const configured = fc
  .tuple(origin, fc.constantFrom("", "/", "/widget.html?widgetId=w#frag"))
  .map(([o, rest]) => ({ origin: o, written: `${o}${rest}` }));

describe("fuzz: postMessage transports accept only the right window and the exact origin", () => {
  it(
    "HostPostMessageTransport passes on a message iff it comes from the iframe's window and the widget's exact origin",
    () => {
      fc.assert(
        fc.property(
          configured,
          fc.array(
            fc.record({
              source: fc.constantFrom("frame", "sibling", "popup", "host", "null"),
              origin: fc.nat(),
              data: fc.jsonValue({ maxDepth: 1 }),
            }),
            { minLength: 1, maxLength: 12 },
          ),
          ({ origin: widgetOrigin, written }, events) => {
            const page = fakeHostPage();
            const sibling = new FakeWindow("sibling");
            const popup = new FakeWindow("popup");
            const transport = new HostPostMessageTransport({
              iframe: page.iframe as unknown as HTMLIFrameElement,
              widgetOrigin: written,
              hostWindow: page.hostWindow as unknown as Window,
            });
            expect(transport.widgetOrigin).toBe(widgetOrigin);
            const seen: unknown[] = [];
            transport.subscribe((message) => seen.push(message));
            const origins = [widgetOrigin, ...lookalikes(widgetOrigin)];
            const expected: unknown[] = [];
            const sources = { frame: page.frameWindow, sibling, popup, host: page.hostWindow, null: null };
            for (const event of events) {
              const eventOrigin = origins[event.origin % origins.length] as string;
              const source = sources[event.source];
              page.hostWindow.fire("message", { data: event.data, origin: eventOrigin, source });
              if (source === page.frameWindow && eventOrigin === widgetOrigin) expected.push(event.data);
            }
            expect(seen).toEqual(expected);
            // Replies go to the iframe's window, to the exact origin, never "*".
            transport.send({ api: "fromWidget", widgetId: "w", requestId: "r", action: "a", data: {} });
            expect(page.frameWindow.posted.map((p) => p.targetOrigin)).toEqual([widgetOrigin]);
            for (const other of [sibling, popup, page.hostWindow]) expect(other.posted).toEqual([]);
            transport.close();
            expect(page.hostWindow.listenerCount + page.iframe.listenerCount).toBe(0);
            page.hostWindow.fire("message", { data: "late", origin: widgetOrigin, source: page.frameWindow });
            expect(seen).toEqual(expected);
          },
        ),
        fuzzParams(200),
      );
    },
    fuzzTimeout(10_000),
  );

  it(
    "WidgetPostMessageTransport passes on a message iff it comes from the parent window and the host's exact origin",
    () => {
      fc.assert(
        fc.property(
          configured,
          fc.array(
            fc.record({
              source: fc.constantFrom("parent", "sibling", "opener", "self", "null"),
              origin: fc.nat(),
              data: fc.jsonValue({ maxDepth: 1 }),
            }),
            { minLength: 1, maxLength: 12 },
          ),
          ({ origin: hostOrigin, written }, events) => {
            const parent = new FakeWindow("parent");
            const self = new FakeWindow("widget");
            const sources = {
              parent,
              sibling: new FakeWindow("sibling"),
              opener: new FakeWindow("opener"),
              self,
              null: null,
            };
            const transport = new WidgetPostMessageTransport({
              parentOrigin: written,
              parent: parent as unknown as Window,
              self: self as unknown as Window,
            });
            const seen: unknown[] = [];
            transport.subscribe((message) => seen.push(message));
            const origins = [hostOrigin, ...lookalikes(hostOrigin)];
            const expected: unknown[] = [];
            for (const event of events) {
              const eventOrigin = origins[event.origin % origins.length] as string;
              const source = sources[event.source];
              self.fire("message", { data: event.data, origin: eventOrigin, source });
              if (source === parent && eventOrigin === hostOrigin) expected.push(event.data);
            }
            expect(seen).toEqual(expected);
            transport.send({ api: "fromWidget", widgetId: "w", requestId: "r", action: "a", data: {} });
            expect(parent.posted.map((p) => p.targetOrigin)).toEqual([hostOrigin]);
            transport.close();
            expect(self.listenerCount).toBe(0);
          },
        ),
        fuzzParams(200),
      );
    },
    fuzzTimeout(10_000),
  );

  it("refuses to be configured with an opaque, wildcard or unparsable origin", () => {
    const page = fakeHostPage();
    for (const bad of [
      "null",
      "*",
      "",
      "localhost",
      "data:text/html,hi",
      "file:///tmp/widget.html",
      "about:blank",
      "javascript:alert(1)",
    ]) {
      expect(() => exactOrigin(bad), bad).toThrow();
      expect(
        () =>
          new HostPostMessageTransport({
            iframe: page.iframe as unknown as HTMLIFrameElement,
            widgetOrigin: bad,
            hostWindow: page.hostWindow as unknown as Window,
          }),
        bad,
      ).toThrow();
      expect(
        () =>
          new WidgetPostMessageTransport({
            parentOrigin: bad,
            parent: new FakeWindow("p") as unknown as Window,
            self: new FakeWindow("s") as unknown as Window,
          }),
        bad,
      ).toThrow();
    }
    // Nothing was left listening by the constructors that threw.
    expect(page.hostWindow.listenerCount + page.iframe.listenerCount).toBe(0);
  });

  it(
    "exactOrigin never returns anything but the URL's own origin",
    () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.webUrl({ withFragments: true, withQueryParameters: true }), fc.string()),
          (input) => {
            let parsed: string | undefined;
            try {
              parsed = new URL(input).origin;
            } catch {
              parsed = undefined;
            }
            if (parsed === undefined || parsed === "null") {
              expect(() => exactOrigin(input)).toThrow();
            } else {
              expect(exactOrigin(input)).toBe(parsed);
            }
          },
        ),
        fuzzParams(200),
      );
    },
    // Its long runs (npm run fuzz) need more than vitest's default 5 s.
    fuzzTimeout(10_000),
  );
});
