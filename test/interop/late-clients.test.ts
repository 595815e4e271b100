// Our WidgetClient, created late, in matrix-widget-api 1.19's ClientWidgetApi (Chromium, widget on
// another origin). That host sends its capabilities request once, on the frame's load event
// (waitForIframeLoad true) or on the first content_loaded after it (false), and never again; it
// refuses a second content_loaded. Its protocol still lets a client get a session at any time by
// MSC2974 renegotiation, which our client uses when no capabilities request came; and our client
// sends content_loaded once per document, so a StrictMode remount keeps its session (issue 15.2).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LATE_CAPABILITY, type LateMode } from "../browser/fixtures/late-types.js";
import type { OpenedPage } from "../browser/harness/index.js";
import { runLateCase, startLateEnv, timings, type LateEnv } from "../browser/late-support.js";

describe("late-created widget clients with matrix-widget-api's ClientWidgetApi (Chromium, cross-origin)", () => {
  let env: LateEnv;
  const opened: OpenedPage[] = [];
  const figures = timings();

  beforeAll(async () => {
    env = await startLateEnv();
  });
  afterEach(async () => {
    for (const page of opened.splice(0)) {
      const errors = page.pageErrors();
      await page.close();
      expect(errors).toEqual([]);
    }
  });
  afterAll(async () => {
    figures.print("Time to session, ClientWidgetApi:");
    await env?.close();
  });

  const modes: LateMode[] = ["control", "delayed", "react", "remount"];
  for (const waitForIframeLoad of [true, false]) {
    for (const mode of modes) {
      it(`${mode}: the surviving client gets its session (waitForIframeLoad ${waitForIframeLoad})`, async () => {
        const result = await runLateCase(env, { kind: "theirs", waitForIframeLoad, mode });
        opened.push(result.opened);
        figures.add(`${mode}, waitForIframeLoad ${waitForIframeLoad}`, result);
        expect(result.widget.error).toBeUndefined();
        expect(result.widget.status).toBe("ready");
        expect(result.widget.capabilities).toEqual([LATE_CAPABILITY]);
        if (mode === "react" || mode === "remount") expect(result.widget.creates).toBe(2);
        if (mode === "remount") expect(result.widget.destroyed).toBe(1);
        if (mode === "delayed") expect(result.widget.createdAfterLoad).toBe(true);
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
