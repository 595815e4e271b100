// Our WidgetClient, created late, in matrix-widget-api 1.19's ClientWidgetApi (Chromium, widget on
// another origin). That host sends its capabilities request once, on the frame's load event
// (waitForIframeLoad true) or on the first content_loaded after it (false), and never again; it
// refuses a second content_loaded. Its protocol still lets a client get a session at any time by
// MSC2974 renegotiation, which our client uses when no capabilities request came; and our client
// sends content_loaded once per document, so a StrictMode remount keeps its session (issue 15.2).
// LiteWidgetClient, which shares that start, runs the late cases and a reload too.
import { describe, expect, it } from "vitest";
import { LATE_CAPABILITY, type LateMode } from "../browser/fixtures/late-types.js";
import { expectSurvivingClient, lateSuite, navigateWidget, readHost } from "../browser/late-support.js";

describe("late-created widget clients with matrix-widget-api's ClientWidgetApi (Chromium, cross-origin)", () => {
  const suite = lateSuite("Time to session, ClientWidgetApi:");

  const modes: LateMode[] = ["control", "delayed", "react", "remount"];
  for (const waitForIframeLoad of [true, false]) {
    for (const mode of modes) {
      it(`${mode}: the surviving client gets its session (waitForIframeLoad ${waitForIframeLoad})`, async () => {
        const result = await suite.run(
          { kind: "theirs", waitForIframeLoad, mode },
          `${mode}, waitForIframeLoad ${waitForIframeLoad}`,
        );
        expectSurvivingClient(result.widget, mode);
        // The host's one capabilities request per load; a late client asks by renegotiation.
        expect(result.host.capabilityRequests).toBe(1);
        // One approval per document: by the capabilities request, or by the one renegotiation a
        // page's clients send when they missed it.
        expect(result.host.approvals).toBe(1);
        if (mode !== "control") expect(result.widget.timeToSessionMs).toBeLessThan(2_000);
      });
    }
  }

  describe("LiteWidgetClient", () => {
    const cases: Array<{ mode: LateMode; waitForIframeLoad: boolean }> = [
      { mode: "delayed", waitForIframeLoad: true },
      { mode: "react", waitForIframeLoad: true },
      { mode: "react", waitForIframeLoad: false },
      { mode: "remount", waitForIframeLoad: true },
    ];
    for (const { mode, waitForIframeLoad } of cases) {
      it(`${mode}: the surviving lite client gets its session, by renegotiation if it missed their one capabilities request (waitForIframeLoad ${waitForIframeLoad})`, async () => {
        const result = await suite.run(
          { kind: "theirs", waitForIframeLoad, mode, client: "lite" },
          `lite, ${mode}, waitForIframeLoad ${waitForIframeLoad}`,
        );
        expectSurvivingClient(result.widget, mode, "lite");
        expect(result.host.capabilityRequests).toBe(1);
        expect(result.host.approvals).toBe(1);
        expect(result.widget.timeToSessionMs).toBeLessThan(2_000);
      });
    }

    it("a reload: their host asks the new document once more, and its lite clients, made in a StrictMode effect, get the session (waitForIframeLoad false)", async () => {
      const result = await suite.run({
        kind: "theirs",
        waitForIframeLoad: false,
        mode: "react",
        client: "lite",
      });
      expectSurvivingClient(result.widget, "react", "lite");

      const { widget: fresh } = await navigateWidget(suite.env, result, {
        mode: "react",
        cl: "1",
        client: "lite",
      });
      expect(fresh.error).toBeUndefined();
      expect(fresh).toMatchObject({ status: "ready", clientKind: "lite", creates: 2 });
      expect(fresh.capabilities).toEqual([LATE_CAPABILITY]);
      expect(fresh.timeToSessionMs).toBeLessThan(2_000);
      const host = await readHost(result.opened.page);
      // One capabilities request per document: the new one's content_loaded started it.
      expect(host.capabilityRequests).toBe(2);
      expect(host.loads).toHaveLength(2);
    });
  });
});
