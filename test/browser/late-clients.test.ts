// Late-created widget clients against our WidgetHost in Chromium, with the widget on another
// origin: a client created in a React StrictMode effect, one created 1.5 s after load, and a
// top-level control, with waitForIframeLoad true and false; and a host attached after the frame
// loaded (start()). Every client gets its session, the late ones within a second (issue 15.2). The
// late cases and a reload also run with LiteWidgetClient.
import { describe, expect, it } from "vitest";
import {
  LATE_CAPABILITY,
  LATE_OTHER_CAPABILITY,
  LATE_WIDGET_ID,
  type LateMode,
} from "./fixtures/late-types.js";
import { expectSurvivingClient, lateSuite, navigateWidget, readHost } from "./late-support.js";

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
    const result = await suite.run({
      kind: "ours",
      waitForIframeLoad: false,
      mode: "delayed",
      attach: "after-silent",
    });
    expect(result.widget.status).toBe("ready");
    expect(result.host.granted).toEqual([LATE_CAPABILITY]);

    // The frame navigates to a new document of the same widget that requests something else.
    const { frame, widget: fresh } = await navigateWidget(suite.env, result, {
      mode: "control",
      cl: "1",
      cap: LATE_OTHER_CAPABILITY,
    });
    expect(frame.url()).toContain(`widgetId=${LATE_WIDGET_ID}`);
    expect(fresh.error).toBeUndefined();
    expect(fresh.status).toBe("ready");
    expect(fresh.capabilities).toEqual([LATE_OTHER_CAPABILITY]);
    expect(fresh.timeToSessionMs).toBeLessThan(1_000);
    const host = await readHost(result.opened.page);
    expect(host.granted).toEqual([LATE_OTHER_CAPABILITY]);
    expect(host.sessionState).toBe("ready");
  });

  describe("LiteWidgetClient", () => {
    const cases: Array<{ mode: LateMode; waitForIframeLoad: boolean }> = [
      { mode: "delayed", waitForIframeLoad: true },
      { mode: "react", waitForIframeLoad: true },
      { mode: "react", waitForIframeLoad: false },
      { mode: "remount", waitForIframeLoad: false },
    ];
    for (const { mode, waitForIframeLoad } of cases) {
      it(`${mode}: the surviving lite client gets its session within a second (waitForIframeLoad ${waitForIframeLoad})`, async () => {
        const result = await suite.run(
          { kind: "ours", waitForIframeLoad, mode, client: "lite" },
          `lite, ${mode}, waitForIframeLoad ${waitForIframeLoad}`,
        );
        expectSurvivingClient(result.widget, mode, "lite");
        expect(result.widget.timeToSessionMs).toBeLessThan(1_000);
        expect(result.host.approvals).toBe(1);
        expect(result.host.granted).toEqual([LATE_CAPABILITY]);
        // Nothing the page's clients sent (two at once under StrictMode) made the host warn.
        expect(result.host.log).toEqual([]);
      });
    }

    it("a reload gives the new document's lite clients, made in a StrictMode effect, a fresh session and none of the old grants (waitForIframeLoad true)", async () => {
      const result = await suite.run({
        kind: "ours",
        waitForIframeLoad: true,
        mode: "react",
        client: "lite",
      });
      expectSurvivingClient(result.widget, "react", "lite");

      const { widget: fresh } = await navigateWidget(suite.env, result, {
        mode: "react",
        cl: "0",
        cap: LATE_OTHER_CAPABILITY,
        client: "lite",
      });
      expect(fresh.error).toBeUndefined();
      expect(fresh).toMatchObject({ status: "ready", clientKind: "lite", creates: 2 });
      expect(fresh.capabilities).toEqual([LATE_OTHER_CAPABILITY]);
      expect(fresh.timeToSessionMs).toBeLessThan(1_000);
      const host = await readHost(result.opened.page);
      expect(host.granted).toEqual([LATE_OTHER_CAPABILITY]);
      expect(host.sessionState).toBe("ready");
      // One approval per document.
      expect(host.approvals).toBe(2);
    });
  });
});
