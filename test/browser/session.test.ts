// The session "foundation" in a real browser: a host page on http://localhost:<a> runs a
// WidgetHost over HostPostMessageTransport, and the widget runs WidgetClient in a cross-origin,
// out-of-process iframe on http://127.0.0.1:<b>. Covers negotiation, requests, renegotiation,
// timeouts, reloads, and the origin/source checks against siblings, popups and navigations. The
// tests of the session itself (negotiation to reload) and the widget's source check against a
// sibling also run with LiteWidgetClient (`client=lite`).
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ApiVersion } from "../../src/protocol/versions.js";
import { WIDGET_SUPPORTED_VERSIONS } from "../../src/widget/widget-client.js";
import type { OpenedPage } from "./harness/index.js";
import {
  CAP,
  WIDGET_ID,
  errorOf,
  frameByUrl,
  hostRepliesTo,
  onFrame,
  onHost,
  onWidget,
  onlyExchange,
  openSession,
  startSessionEnv,
  valueOf,
  waitFor,
  waitForWidgetReady,
  type Session,
  type SessionEnv,
  type WireMessage,
} from "./session-support.js";

/** A fromWidget request, as a forger would write it: the right widget ID, a valid navigate. */
const forgedNavigate = (requestId: string): WireMessage => ({
  api: "fromWidget",
  widgetId: WIDGET_ID,
  requestId,
  action: "org.matrix.msc2931.navigate",
  data: { uri: "https://matrix.to/#/#room:example.org" },
});

/** A fromWidget supported_api_versions request: allowed before a session, so any host would answer it. */
const forgedVersions = (requestId: string): WireMessage => ({
  api: "fromWidget",
  widgetId: WIDGET_ID,
  requestId,
  action: "supported_api_versions",
  data: {},
});

/** Waits until the host window has received a message with this requestId, and returns how it arrived. */
async function hostReceived(page: Page, requestId: string) {
  const received = await waitFor(
    () => onHost(page, (h) => h.received),
    (all) => all.some((m) => (m.data as WireMessage | null)?.requestId === requestId),
    `the host window to receive ${requestId}`,
  );
  return received.filter((m) => (m.data as WireMessage | null)?.requestId === requestId);
}

/**
 * The widget clients the session tests run with: WidgetClient's keep their names, LiteWidgetClient's
 * (the same session over plain postMessage, classic API only) say so.
 */
const CLIENTS = [
  { client: "full", named: (name: string) => name },
  { client: "lite", named: (name: string) => `LiteWidgetClient: ${name}` },
] as const;

describe("widget session in Chromium (cross-origin iframe)", () => {
  let env: SessionEnv;
  let session: Session | undefined;
  const opened: OpenedPage[] = [];

  beforeAll(async () => {
    env = await startSessionEnv();
  });

  afterAll(async () => {
    await env?.close();
  });

  afterEach(async () => {
    await session?.p.close();
    session = undefined;
    for (const p of opened.splice(0)) await p.close();
  });

  const open = async (options: Parameters<typeof openSession>[1]): Promise<Session> => {
    session = await openSession(env, options);
    return session;
  };

  for (const { client, named } of CLIENTS) {
    it(
      named(
        "negotiates a session: the policy decides on grantable requests, the widget is notified, versions go both ways",
      ),
      async () => {
        const { page, widget, p } = await open({
          client,
          capabilities: [CAP.navigate, CAP.search, "com.example.unknown"],
          // The policy would approve the unknown capability, but it is never offered to it.
          approve: [CAP.navigate, "com.example.unknown"],
        });

        // The policy was asked once, about the grantable requests only.
        expect(await onHost(page, (h) => h.policyCalls)).toEqual([
          { requested: [CAP.navigate, CAP.search], granted: [], renegotiation: false },
        ]);

        // Host side: ready, with everything requested and only the approved subset granted.
        const snapshot = await onHost(page, (h) => h.snapshot());
        expect(snapshot.state).toBe("ready");
        expect(snapshot.requested).toEqual([CAP.navigate, CAP.search, "com.example.unknown"]);
        expect(snapshot.granted).toEqual([CAP.navigate]);
        expect(await onHost(page, (h) => h.events)).toEqual([
          {
            type: "ready",
            payload: {
              requested: [CAP.navigate, CAP.search, "com.example.unknown"],
              granted: [CAP.navigate],
            },
            grantedAtEvent: [CAP.navigate],
            stateAtEvent: "ready",
          },
        ]);

        // Widget side: notify_capabilities arrived from the parent, on the host's origin.
        const notifies = (await onWidget(widget, (w) => w.received)).filter(
          (m) => (m.data as WireMessage).action === "notify_capabilities",
        );
        expect(notifies).toHaveLength(1);
        expect(notifies[0]).toMatchObject({
          origin: env.hostOrigin,
          fromParent: true,
          data: {
            api: "toWidget",
            widgetId: WIDGET_ID,
            action: "notify_capabilities",
            data: { requested: [CAP.navigate, CAP.search, "com.example.unknown"], approved: [CAP.navigate] },
          },
        });
        expect(await onWidget(widget, (w) => w.capabilities())).toEqual([CAP.navigate]);

        // Versions, both ways: each side knows exactly what the other advertised.
        expect(snapshot.widgetVersions).toEqual([...WIDGET_SUPPORTED_VERSIONS]);
        const hostVersions = await onWidget(widget, (w) => w.hostVersions());
        expect(hostVersions).toEqual(snapshot.supportedVersions);
        expect(hostVersions).toEqual(
          expect.arrayContaining([
            ApiVersion.MSC2871,
            ApiVersion.MSC2974,
            ApiVersion.MSC2931,
            ApiVersion.MSC3973,
            ApiVersion.MSC3662,
            ApiVersion.MSC3751,
          ]),
        );
        const trace = await onHost(page, (h) => h.trace);
        expect(trace).toEqual(
          expect.arrayContaining([
            { direction: "fromWidget", action: "supported_api_versions", ok: true },
            { direction: "toWidget", action: "supported_api_versions", ok: true },
            { direction: "toWidget", action: "capabilities", ok: true },
            { direction: "toWidget", action: "notify_capabilities", ok: true },
          ]),
        );
        expect(trace.every((entry) => entry.ok)).toBe(true);
        expect(await onHost(page, (h) => h.logs)).toEqual([]);
        expect(p.problems()).toEqual([]);
      },
    );

    it(
      named(
        "answers a widget request with exactly one reply: supported_api_versions and a custom host action",
      ),
      async () => {
        const { page, widget, p } = await open({ client, capabilities: [], approve: [] });

        const versions = valueOf(await onWidget(widget, (w) => w.request("supportedApiVersions", {})));
        expect(versions).toEqual({
          supported_versions: (await onHost(page, (h) => h.snapshot())).supportedVersions,
        });

        const echoed = valueOf(await onWidget(widget, (w) => w.request("echo", { text: "hello host" })));
        const { request, replies } = await onlyExchange(page, "dev.test.echo");
        expect(echoed).toEqual({ echoed: "hello host", requestId: request.requestId });
        expect(request).toMatchObject({
          api: "fromWidget",
          widgetId: WIDGET_ID,
          data: { text: "hello host" },
        });
        expect(replies).toEqual([
          { ...request, response: { echoed: "hello host", requestId: request.requestId } },
        ]);
        expect(await onHost(page, (h) => h.trace)).toContainEqual({
          direction: "fromWidget",
          action: "dev.test.echo",
          ok: true,
        });
        expect(p.problems()).toEqual([]);
      },
    );

    it(
      named(
        "renegotiates: the policy is asked only about new capabilities, and the session totals are notified",
      ),
      async () => {
        const { page, widget, p } = await open({
          client,
          capabilities: [CAP.navigate],
          approve: [CAP.navigate, CAP.search],
          driver: { searchUserDirectory: { kind: "resolve", value: { limited: false, results: [] } } },
        });
        // Before: no search capability.
        expect(errorOf(await onWidget(widget, (w) => w.searchUserDirectory("al"))).code).toBe(
          "missing_capability",
        );

        const granted = await onWidget(widget, (w, caps) => w.requestCapabilities(caps), [
          CAP.search,
          CAP.navigate,
          CAP.mxidShare,
        ]);
        expect(valueOf(granted)).toEqual([CAP.navigate, CAP.search]);

        expect(await onHost(page, (h) => h.policyCalls)).toEqual([
          { requested: [CAP.navigate], granted: [], renegotiation: false },
          // Only what is new; navigate is held already. mxid_share is asked about and refused.
          { requested: [CAP.search, CAP.mxidShare], granted: [CAP.navigate], renegotiation: true },
        ]);
        const events = await onHost(page, (h) => h.events);
        expect(events.map((e) => e.type)).toEqual(["ready", "capabilities"]);
        expect(events[1]?.payload).toEqual({
          requested: [CAP.navigate, CAP.search, CAP.mxidShare],
          granted: [CAP.navigate, CAP.search],
        });

        // The widget is told the totals, not just the difference.
        const notifies = (await onWidget(widget, (w) => w.received))
          .filter((m) => m.fromParent && (m.data as WireMessage).action === "notify_capabilities")
          .map((m) => (m.data as WireMessage).data);
        expect(notifies).toEqual([
          { requested: [CAP.navigate], approved: [CAP.navigate] },
          { requested: [CAP.navigate, CAP.search, CAP.mxidShare], approved: [CAP.navigate, CAP.search] },
        ]);
        expect(await onWidget(widget, (w) => w.capabilityChanges)).toEqual([[CAP.navigate, CAP.search]]);

        // After: the new grant works end to end.
        expect(valueOf(await onWidget(widget, (w) => w.searchUserDirectory("al")))).toEqual({
          limited: false,
          results: [],
        });
        expect(p.problems()).toEqual([]);
      },
    );

    it(
      named("rejects a request the host never answers with a timeout error after the widget's timeoutMs"),
      async () => {
        const { page, widget, p } = await open({ client, capabilities: [], approve: [] });

        const outcome = await onWidget(widget, (w) => w.request("hang", {}, 200));
        const error = errorOf(outcome);
        expect(error).toEqual({ name: "WidgetApiError", code: "timeout", message: expect.any(String) });
        // The message names the action and the timeout the call set.
        expect(error.message).toContain("dev.test.hang");
        expect(error.message).toContain("200 ms");
        // The host did get it (and is still working on it): no reply was sent.
        const { replies } = await onlyExchange(page, "dev.test.hang");
        expect(replies).toEqual([]);
        expect((await onHost(page, (h) => h.trace)).some((e) => e.action === "dev.test.hang")).toBe(false);

        // The session is unharmed.
        expect(
          valueOf(await onWidget(widget, (w) => w.request("echo", { text: "still there" }))),
        ).toMatchObject({
          echoed: "still there",
        });
        expect(p.problems()).toEqual([]);
      },
    );

    // Issue 12 item 7: the host answers what is in flight as it is destroyed. A call made afterwards
    // still times out over postMessage: the page cannot tell that the host stopped listening, and
    // the host keeps no responder (docs/decisions.md, "The test kit and a destroyed host").
    it(
      named(
        "host.destroy() answers a widget call in flight with session_ended at once; a later call times out",
      ),
      async () => {
        const { page, widget, p } = await open({ client, capabilities: [], approve: [] });

        const started = Date.now();
        const inFlight = onWidget(widget, (w) => w.request("hang", {}, 20_000));
        await waitFor(
          () => onHost(page, (h) => h.received),
          (all) => all.some((m) => (m.data as WireMessage | null)?.action === "dev.test.hang"),
          "the host window to receive the hang request",
        );
        await onHost(page, (h) => h.destroyHost());
        const error = errorOf(await inFlight);
        expect(error).toEqual({ name: "WidgetApiError", code: "session_ended", message: expect.any(String) });
        expect(Date.now() - started).toBeLessThan(10_000);

        const later = errorOf(await onWidget(widget, (w) => w.request("echo", { text: "anyone?" }, 300)));
        expect(later.code).toBe("timeout");
        expect(p.problems()).toEqual([]);
      },
    );

    it(
      named(
        "a reload of the widget frame ends the session and its grants; the new document negotiates from scratch",
      ),
      async () => {
        const { page, widget, p } = await open({
          client,
          capabilities: [CAP.navigate],
          approve: [CAP.navigate, CAP.search],
        });
        // Session 1 gains a capability by renegotiation.
        expect(
          valueOf(await onWidget(widget, (w, caps) => w.requestCapabilities(caps), [CAP.search])),
        ).toEqual([CAP.navigate, CAP.search]);
        const firstDocument = await onWidget(widget, (w) => w.documentId);

        // Reload from inside the widget (deferred, so the evaluate call itself returns first).
        await widget.evaluate(() => void setTimeout(() => location.reload(), 0));

        const events = await waitFor(
          () => onHost(page, (h) => h.events),
          (all) => all.filter((e) => e.type === "ready").length === 2,
          "the host to be ready again after the reload",
        );
        expect(events.map((e) => e.type)).toEqual(["ready", "capabilities", "sessionEnded", "ready"]);
        expect(events[2]).toEqual({
          type: "sessionEnded",
          payload: { reason: expect.stringMatching(/\S/) },
          grantedAtEvent: [],
          stateAtEvent: "waiting",
        });
        // The second session: the policy is asked afresh, with nothing held, and the renegotiated
        // capability of the first session is gone.
        expect((await onHost(page, (h) => h.policyCalls))[2]).toEqual({
          requested: [CAP.navigate],
          granted: [],
          renegotiation: false,
        });
        expect(events[3]?.payload).toEqual({ requested: [CAP.navigate], granted: [CAP.navigate] });

        const reloaded = await waitForWidgetReady(p, env);
        expect(await onWidget(reloaded, (w) => w.documentId)).not.toBe(firstDocument);
        expect(await onWidget(reloaded, (w) => w.capabilities())).toEqual([CAP.navigate]);
        const snapshot = await onHost(page, (h) => h.snapshot());
        expect(snapshot).toMatchObject({
          state: "ready",
          granted: [CAP.navigate],
          requested: [CAP.navigate],
        });
        expect(snapshot.widgetVersions).toEqual([...WIDGET_SUPPORTED_VERSIONS]);

        // The grant from the first session does not work in the second.
        expect(errorOf(await onWidget(reloaded, (w) => w.searchUserDirectory("al"))).code).toBe(
          "missing_capability",
        );
        expect(await onHost(page, (h) => h.driverCalls)).toEqual([]);
        expect(p.problems()).toEqual([]);
      },
    );
  }

  describe.each([
    { where: "on the widget's origin", origin: () => env.widgetOrigin },
    { where: "on a third origin", origin: () => env.thirdOrigin },
  ])("a sibling frame $where", ({ origin }) => {
    it("is ignored when it posts a fromWidget request with the right widgetId: no reply, no effect", async () => {
      const { page, widget, p } = await open({ capabilities: [CAP.navigate], approve: [CAP.navigate] });
      const siblingOrigin = origin();
      await onHost(page, (h, url) => h.addFrame("sibling", url), `${siblingOrigin}/frame.html`);
      const sibling = await frameByUrl(page, `${siblingOrigin}/frame.html`);
      const traceBefore = (await onHost(page, (h) => h.trace)).length;

      await onFrame(sibling, (f, { to, messages }) => messages.forEach((m) => f.post("parent", m, to)), {
        to: env.hostOrigin,
        messages: [forgedNavigate("forged-nav"), forgedVersions("forged-ver")],
      });

      // Both were delivered to the host window, from the sibling, on its origin...
      for (const id of ["forged-nav", "forged-ver"]) {
        const seen = await hostReceived(page, id);
        expect(seen.map((m) => [m.origin, m.fromWidgetFrame])).toEqual([[siblingOrigin, false]]);
      }
      // ...and a round trip with the real widget afterwards lets anything they caused show up.
      valueOf(await onWidget(widget, (w) => w.request("echo", { text: "after" })));

      expect(await hostRepliesTo(page, "forged-nav")).toEqual([]);
      expect(await hostRepliesTo(page, "forged-ver")).toEqual([]);
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([]);
      expect((await onHost(page, (h) => h.trace)).slice(traceBefore)).toEqual([
        { direction: "fromWidget", action: "dev.test.echo", ok: true },
      ]);
      expect(await onFrame(sibling, (f) => f.received)).toEqual([]);

      // Control: the very same navigate from the widget's own frame works, so the forgery was well formed.
      await onWidget(widget, (w, { message, to }) => w.postToParent(message, to), {
        message: forgedNavigate("genuine-nav"),
        to: env.hostOrigin,
      });
      const replies = await waitFor(
        () => hostRepliesTo(page, "genuine-nav"),
        (r) => r.length > 0,
        "the reply to the genuine navigate",
      );
      expect(replies.map((r) => r.response)).toEqual([{}]);
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([
        { method: "navigate", args: [{ type: "room", room: "#room:example.org", via: [] }] },
      ]);
      expect(p.problems()).toEqual([]);
    });
  });

  it("ignores a fromWidget request with the right widgetId from a popup the widget opened", async () => {
    const { page, widget, p } = await open({ capabilities: [CAP.navigate], approve: [CAP.navigate] });
    const traceBefore = (await onHost(page, (h) => h.trace)).length;

    const popupOpened = p.context.waitForEvent("page");
    expect(
      await onWidget(widget, (w, url) => w.openPopup(url), `${env.widgetOrigin}/frame.html?popup=1`),
    ).toBe(true);
    const popup = await popupOpened;
    await popup.waitForLoadState("load");
    expect(popup.url()).toBe(`${env.widgetOrigin}/frame.html?popup=1`);

    await onFrame(popup, (f, { to, messages }) => messages.forEach((m) => f.post("openerParent", m, to)), {
      to: env.hostOrigin,
      messages: [forgedNavigate("popup-nav"), forgedVersions("popup-ver")],
    });
    for (const id of ["popup-nav", "popup-ver"]) {
      // Same origin as the widget: only the source check can tell them apart.
      const seen = await hostReceived(page, id);
      expect(seen.map((m) => [m.origin, m.fromWidgetFrame])).toEqual([[env.widgetOrigin, false]]);
    }
    valueOf(await onWidget(widget, (w) => w.request("echo", { text: "after" })));

    expect(await hostRepliesTo(page, "popup-nav")).toEqual([]);
    expect(await hostRepliesTo(page, "popup-ver")).toEqual([]);
    expect(await onHost(page, (h) => h.driverCalls)).toEqual([]);
    expect((await onHost(page, (h) => h.trace)).slice(traceBefore)).toEqual([
      { direction: "fromWidget", action: "dev.test.echo", ok: true },
    ]);
    expect(await onFrame(popup, (f) => f.received)).toEqual([]);
    await popup.close();
    expect(p.problems()).toEqual([]);
  });

  describe.each([
    { where: "the host's origin", origin: () => env.hostOrigin },
    { where: "a third origin", origin: () => env.thirdOrigin },
  ])("navigating the widget frame to $where", ({ origin }) => {
    it("ends the session, and requests from the new document are ignored", async () => {
      const { page, p } = await open({
        capabilities: [CAP.navigate],
        approve: [CAP.navigate],
        // The new session waits for a widget that is not there; keep it waiting for the whole test.
        requestTimeoutMs: 600_000,
      });
      const newOrigin = origin();
      const url = `${newOrigin}/frame.html?navigated=1`;
      const sentBefore = (await onHost(page, (h) => h.sent)).length;
      const traceBefore = (await onHost(page, (h) => h.trace)).length;

      await onHost(page, (h, u) => h.setIframeSrc(u), url);
      const events = await waitFor(
        () => onHost(page, (h) => h.events),
        (all) => all.some((e) => e.type === "sessionEnded"),
        "the session to end",
      );
      expect(events.map((e) => e.type)).toEqual(["ready", "sessionEnded"]);
      expect(events[1]).toMatchObject({
        payload: { reason: expect.stringMatching(/\S/) },
        grantedAtEvent: [],
      });
      const foreign = await frameByUrl(page, url);
      // The host started a new session for the new document, and holds no grants.
      await waitFor(
        () => onHost(page, (h) => h.snapshot()),
        (s) => s.state === "negotiating",
        "the host to start negotiating with the new document",
      );
      expect(await onHost(page, (h) => h.snapshot())).toMatchObject({ granted: [], requested: [] });

      // The new document, in the widget's own iframe, speaks as the widget.
      await onFrame(foreign, (f, { to, messages }) => messages.forEach((m) => f.post("parent", m, to)), {
        to: env.hostOrigin,
        messages: [forgedVersions("foreign-ver"), forgedNavigate("foreign-nav")],
      });
      for (const id of ["foreign-ver", "foreign-nav"]) {
        const seen = await hostReceived(page, id);
        // From the widget iframe's window, but not from the widget's origin.
        expect(seen.map((m) => [m.origin, m.fromWidgetFrame])).toEqual([[newOrigin, true]]);
      }
      // Let anything the last message caused settle, then check nothing was answered or done.
      await onFrame(foreign, (f, to) => f.post("parent", { marker: true }, to), env.hostOrigin);
      await waitFor(
        () => onHost(page, (h) => h.received),
        (all) => all.some((m) => (m.data as { marker?: boolean } | null)?.marker === true),
        "the marker",
      );
      expect(await hostRepliesTo(page, "foreign-ver")).toEqual([]);
      expect(await hostRepliesTo(page, "foreign-nav")).toEqual([]);
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([]);
      expect(
        (await onHost(page, (h) => h.trace)).slice(traceBefore).filter((e) => e.direction === "fromWidget"),
      ).toEqual([]);

      // The host's requests for the new session went to the widget's origin only, so the foreign
      // document received none of them: only the marker the host page posts to it now.
      const sentAfter = (await onHost(page, (h) => h.sent)).slice(sentBefore) as WireMessage[];
      expect(sentAfter.map((m) => m.action)).toEqual(
        expect.arrayContaining(["supported_api_versions", "capabilities"]),
      );
      await onHost(page, (h, to) => h.postToWidgetFrame({ hostMarker: true }, to), newOrigin);
      const got = await waitFor(
        () => onFrame(foreign, (f) => f.received),
        (all) => all.length > 0,
        "the host's marker in the foreign document",
      );
      expect(got).toEqual([{ data: { hostMarker: true }, origin: env.hostOrigin }]);
      expect(p.problems()).toEqual([]);
    });
  });

  for (const { client, named } of CLIENTS) {
    it(
      named("the widget ignores toWidget requests with the right origin from a window other than its parent"),
      async () => {
        const { page, widget, p } = await open({ client, capabilities: [CAP.navigate], approve: [] });
        expect(await onWidget(widget, (w) => w.capabilities())).toEqual([]);
        // A sibling on the host's own origin: event.origin is exactly what the widget expects.
        await onHost(page, (h, url) => h.addFrame("sibling", url), `${env.hostOrigin}/frame.html`);
        const sibling = await frameByUrl(page, `${env.hostOrigin}/frame.html`);

        const forged: WireMessage[] = [
          {
            api: "toWidget",
            widgetId: WIDGET_ID,
            requestId: "forged-caps",
            action: "capabilities",
            data: {},
          },
          {
            api: "toWidget",
            widgetId: WIDGET_ID,
            requestId: "forged-notify",
            action: "notify_capabilities",
            data: { requested: [CAP.navigate], approved: [CAP.navigate] },
          },
        ];
        await onFrame(
          sibling,
          (f, { to, messages }) => messages.forEach((m) => f.post("widgetFrame", m, to)),
          {
            to: env.widgetOrigin,
            messages: forged,
          },
        );
        const seen = await waitFor(
          () => onWidget(widget, (w) => w.received),
          (all) =>
            all.filter((m) => String((m.data as WireMessage).requestId).startsWith("forged-")).length === 2,
          "the forged requests to reach the widget window",
        );
        expect(
          seen
            .filter((m) => String((m.data as WireMessage).requestId).startsWith("forged-"))
            .map((m) => [m.origin, m.fromParent]),
        ).toEqual([
          [env.hostOrigin, false],
          [env.hostOrigin, false],
        ]);
        // A widget -> host round trip: any reply the widget made would have reached the host before it.
        valueOf(await onWidget(widget, (w) => w.request("echo", { text: "after" })));

        const atHost = await onHost(page, (h) => h.received);
        expect(
          atHost.filter((m) => String((m.data as WireMessage | null)?.requestId).startsWith("forged-")),
        ).toEqual([]);
        expect(await onFrame(sibling, (f) => f.received)).toEqual([]);
        expect(await onWidget(widget, (w) => w.capabilities())).toEqual([]);
        expect(await onWidget(widget, (w) => w.capabilityChanges)).toEqual([]);
        expect(
          errorOf(await onWidget(widget, (w) => w.navigate("https://matrix.to/#/#room:example.org"))).code,
        ).toBe("missing_capability");

        // Control: the same capabilities request from the parent itself is answered (to the parent).
        await onHost(page, (h, { message, to }) => h.postToWidgetFrame(message, to), {
          message: { ...forged[0], requestId: "parent-caps" },
          to: env.widgetOrigin,
        });
        const answered = await hostReceived(page, "parent-caps");
        expect(answered).toEqual([
          {
            data: { ...forged[0], requestId: "parent-caps", response: { capabilities: [CAP.navigate] } },
            origin: env.widgetOrigin,
            fromWidgetFrame: true,
          },
        ]);
        expect(p.problems()).toEqual([]);
      },
    );
  }
});
