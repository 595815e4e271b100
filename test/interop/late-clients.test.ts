// Our WidgetClient, created late, in matrix-widget-api 1.19's ClientWidgetApi (Chromium, widget on
// another origin). That host sends its capabilities request once, on the frame's load event
// (waitForIframeLoad true) or on the first content_loaded after it (false), and never again; it
// refuses a second content_loaded. Its protocol still lets a client get a session at any time by
// MSC2974 renegotiation, which our client uses when no capabilities request came; and our client
// sends content_loaded once per document, so a StrictMode remount keeps its session (issue 15.2).
import { describe, expect, it } from "vitest";
import type { LateMode } from "../browser/fixtures/late-types.js";
import { expectSurvivingClient, lateSuite } from "../browser/late-support.js";

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
});
