// Late-created widget clients against our WidgetHost in Chromium, with the widget on another
// origin: a client created in a React StrictMode effect, one created 1.5 s after load, and a
// top-level control, with waitForIframeLoad true and false; and a host attached after the frame
// loaded (start()). Every client gets its session, the late ones within a second (issue 15.2).
import { describe, expect, it } from "vitest";
import {
  LATE_CAPABILITY,
  LATE_OTHER_CAPABILITY,
  LATE_WIDGET_ID,
  type LateHostState,
  type LateMode,
} from "./fixtures/late-types.js";
import { expectSurvivingClient, lateSuite, readHost, waitForWidget } from "./late-support.js";

describe("late-created widget clients with our WidgetHost (Chromium, cross-origin)", () => {
  const suite = lateSuite("Time to session, our host:");

  const modes: LateMode[] = ["control", "delayed", "react", "remount"];
  for (const waitForIframeLoad of [true, false]) {
    for (const mode of modes) {
      const late = mode !== "control";
      it(`${mode}: the surviving client gets its session${late ? " within a second" : ""} (waitForIframeLoad ${waitForIframeLoad})`, async () => {
        const result = await suite.run(
          { kind: "ours", waitForIframeLoad, mode },
          `${mode}, waitForIframeLoad ${waitForIframeLoad}`,
        );
        expectSurvivingClient(result.widget, mode);
        if (late) expect(result.widget.timeToSessionMs).toBeLessThan(1_000);
        // The user is asked once per document, however many clients the page created.
        expect(result.host.approvals).toBe(1);
      });
    }
  }

  for (const waitForIframeLoad of [true, false]) {
    it(`a host attached after the frame loaded gets the session going with start() (waitForIframeLoad ${waitForIframeLoad})`, async () => {
      const result = await suite.run(
        { kind: "ours", waitForIframeLoad, mode: "delayed", attach: "after" },
        `attached after load, delayed client, waitForIframeLoad ${waitForIframeLoad}`,
      );
      expect(result.widget.status).toBe("ready");
      expect(result.widget.capabilities).toEqual([LATE_CAPABILITY]);
      expect(result.widget.timeToSessionMs).toBeLessThan(1_000);
    });
  }

  it("a reload after an early content_loaded, on a host attached after the frame loaded without start(), gives the new document a fresh session and none of the old grants (waitForIframeLoad false)", async () => {
    const { env } = suite;
    const result = await suite.run({
      kind: "ours",
      waitForIframeLoad: false,
      mode: "delayed",
      attach: "after-silent",
    });
    expect(result.widget.status).toBe("ready");
    expect(result.host.granted).toEqual([LATE_CAPABILITY]);

    // The frame navigates to a new document of the same widget that requests something else.
    const next = new URL(`${env.origins.widgetOrigin}/late-widget.html`);
    next.searchParams.set("mode", "control");
    next.searchParams.set("cl", "1");
    next.searchParams.set("cap", LATE_OTHER_CAPABILITY);
    const { page } = result.opened;
    const frame = await result.opened.frameByOrigin(env.origins.widgetOrigin);
    await page.evaluate(
      (url) => (window as unknown as { __lateHost: LateHostState }).__lateHost.navigate(url),
      next.href,
    );
    const fresh = await waitForWidget(
      frame,
      (state) => state.status !== "starting" && frame.url().includes("cap="),
    );
    expect(frame.url()).toContain(`widgetId=${LATE_WIDGET_ID}`);
    expect(fresh.error).toBeUndefined();
    expect(fresh.status).toBe("ready");
    expect(fresh.capabilities).toEqual([LATE_OTHER_CAPABILITY]);
    expect(fresh.timeToSessionMs).toBeLessThan(1_000);
    const host = await readHost(page);
    expect(host.granted).toEqual([LATE_OTHER_CAPABILITY]);
    expect(host.sessionState).toBe("ready");
  });
});
