// Element Call 0.26.1 (the embedded build, served from loopback) in two hosts against the real
// Synapse: (a) our WidgetHost with the stock MatrixClientDriver and the opt-in Element feature,
// (b) matrix-widget-api's ClientWidgetApi with a matrix-js-sdk-backed WidgetDriver. There is no
// SFU: Synapse advertises a LiveKit focus whose token service is a loopback stub (support.ts), and
// the LiveKit URL it hands out refuses connections, so media fails after the join.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startOrigins, type Origins } from "../browser/harness/index.js";
import { createRoom, csOk, registerFresh } from "../homeserver/matrix-client.js";
import type { RegisteredUser } from "../homeserver/provided";
import type { EcHostApi, HostReport } from "./fixtures/element-call/shared.js";
import {
  confineToLoopback,
  launchMediaBrowser,
  deadMediaServer,
  serveDirectory,
  startRtcStub,
  waitUntil,
  type DeadServer,
  type NetworkGuard,
  type RtcStub,
  type StaticSite,
} from "./support.js";

const require = createRequire(import.meta.url);
const EC_PACKAGE = "@element-hq/element-call-embedded";
const ecDist = join(dirname(require.resolve(`${EC_PACKAGE}/package.json`)), "dist");
const ecVersion = (
  JSON.parse(readFileSync(require.resolve(`${EC_PACKAGE}/package.json`), "utf8")) as { version: string }
).version;
const CALL_MEMBER = "org.matrix.msc3401.call.member";

const fixture = (name: string) =>
  fileURLToPath(new URL(`./fixtures/element-call/${name}.ts`, import.meta.url));
const html = (bundle: string) =>
  `<!doctype html><meta charset="utf-8"><title>${bundle}</title><body><script type="module" src="/bundle/${bundle}.js"></script></body>`;

const synapse = inject("synapse");
const rtc = inject("rtcStub");

let origins: Origins;
let ec: StaticSite;
let stub: RtcStub;
let media: DeadServer;
let browser: Browser;

beforeAll(async () => {
  media = await deadMediaServer("silent");
  stub = await startRtcStub({
    port: rtc.port,
    synapseBaseUrl: synapse.baseUrl,
    livekitUrl: `ws://127.0.0.1:${media.port}`,
  });
  // Same site as the host pages (localhost), another origin: Element Web serves Element Call
  // from its own site too, and Chromium denies localStorage to a frame of another site.
  ec = await serveDirectory(ecDist, { hostname: "localhost" });
  origins = await startOrigins();
  for (const name of ["our-host", "mwa-host"]) {
    origins.registerBundle(`ec-${name}`, fixture(name));
    origins.setPage("host", `/${name}.html`, html(`ec-${name}`));
  }
  await Promise.all([origins.bundle("ec-our-host"), origins.bundle("ec-mwa-host")]);
  browser = await launchMediaBrowser();
});

afterAll(async () => {
  await browser?.close();
  await origins?.close();
  await ec?.close();
  await stub?.close();
  await media?.close();
});

interface Run {
  user: RegisteredUser;
  roomId: string;
  page: Page;
  frame: Frame;
  guard: NetworkGuard;
  logs: string[];
  hostPageUrl: string;
}

async function openRun(hostPage: "our-host" | "mwa-host"): Promise<Run> {
  const user = await registerFresh(synapse, "caller", "Caller");
  const roomId = await createRoom(synapse, user, { preset: "private_chat", name: `Call via ${hostPage}` });
  const context = await browser.newContext();
  const guard = await confineToLoopback(context);
  const page = await context.newPage();
  const logs: string[] = [];
  page.on("console", (msg) => logs.push(`${msg.type()}: ${msg.text()}`));
  page.on("pageerror", (error) => logs.push(`pageerror: ${error.message}`));
  const hostPageUrl = `${origins.hostOrigin}/${hostPage}.html`;
  await page.goto(hostPageUrl);
  const widgetId = `element-call-${hostPage}`;
  const params = new URLSearchParams({
    widgetId,
    parentUrl: hostPageUrl,
    roomId,
    userId: user.userId,
    deviceId: user.deviceId,
    baseUrl: synapse.baseUrl,
    lang: "en",
    theme: "dark",
    intent: "start_call",
    confineToRoom: "true",
    header: "none",
  });
  const widgetUrl = `${ec.origin}/index.html#?${params.toString()}`;
  await page.evaluate((config) => (window as unknown as { ecHost: EcHostApi }).ecHost.start(config), {
    baseUrl: synapse.baseUrl,
    userId: user.userId,
    accessToken: user.accessToken,
    deviceId: user.deviceId,
    roomId,
    widgetId,
    widgetUrl,
  });
  const frame = await waitUntil("Element Call's frame", () =>
    page.frames().find((f) => f.url().startsWith(ec.origin)),
  );
  return { user, roomId, page, frame, guard, logs, hostPageUrl };
}

const report = (run: Run) =>
  run.page.evaluate(() =>
    (window as unknown as { ecHost: EcHostApi }).ecHost.report(),
  ) as Promise<HostReport>;

async function memberships(
  run: Run,
): Promise<Array<{ state_key: string; sender: string; content: Record<string, unknown> }>> {
  const state = (await csOk(
    synapse,
    run.user,
    "GET",
    `/_matrix/client/v3/rooms/${encodeURIComponent(run.roomId)}/state`,
  )) as Array<{ type: string; state_key: string; sender: string; content: Record<string, unknown> }>;
  return state.filter((e) => e.type === CALL_MEMBER);
}

interface DelayedEvent {
  delay_id: string;
  room_id: string;
  type: string;
  state_key?: string;
  delay: number;
  running_since: number;
  content: Record<string, unknown>;
}

/** The user's scheduled delayed events (MSC4140), as Synapse lists them. */
async function delayedEvents(user: RegisteredUser): Promise<DelayedEvent[]> {
  const json = (await csOk(
    synapse,
    user,
    "GET",
    "/_matrix/client/unstable/org.matrix.msc4140/delayed_events",
  )) as {
    delayed_events: DelayedEvent[];
  };
  return json.delayed_events;
}

/** What one run of Element Call showed. */
interface CallRun {
  host: "our-host" | "mwa-host";
  /** The account Element Call ran as (the host's user and device). */
  user: { userId: string; deviceId: string };
  report: HostReport;
  /** The non-empty call membership Synapse holds once Element Call joined. */
  membership: { state_key: string; content: Record<string, unknown>; sender?: string };
  /** Element Call's delayed leave while in the call, and its `running_since` a few seconds later. */
  delayedLeave: DelayedEvent;
  restartedRunningSince: number;
  /** How the membership was emptied: Element Call left by itself once media failed, or on our hangup. */
  leftBy: "media failure" | "hangup";
  /** ms from the frame's creation to the emptied membership. */
  finalMemberships: Array<{ state_key: string; content: Record<string, unknown> }>;
  stubRequests: RtcStub["requests"];
  blocked: string[];
  pageErrors: string[];
  /** Our host only: its trace, and requested capabilities our parser reads only as custom strings. */
  traces?: Array<{ direction: string; action: string; ok: boolean; error?: string }>;
  unparsed?: string[];
  lobbyReached: boolean;
}

const runs: Partial<Record<CallRun["host"], CallRun>> = {};

/** Opens Element Call in `hostPage`, joins from the lobby, and follows the call until it is left. */
async function runCall(hostPage: CallRun["host"]): Promise<CallRun> {
  const stubBefore = stub.requests.length;
  const run = await openRun(hostPage);
  try {
    // The lobby: Element Call offers to join once it is connected to its host.
    const join = run.frame.getByRole("button", { name: "Join call" });
    await join.waitFor({ timeout: 60_000 });
    await join.click();
    const membership = await waitUntil(
      "Element Call's call membership on Synapse",
      async () => (await memberships(run)).find((m) => Object.keys(m.content).length > 0),
      30_000,
    );
    const delayedLeave = await waitUntil(
      "Element Call's delayed leave on Synapse",
      async () =>
        (await delayedEvents(run.user)).find(
          (d) => d.room_id === run.roomId && d.type === CALL_MEMBER && d.state_key === membership.state_key,
        ),
      10_000,
    );
    // Element Call restarts the delayed leave every few seconds while it is in the call.
    const restartedRunningSince = await waitUntil(
      "a restart of the delayed leave",
      async () => {
        const now = (await delayedEvents(run.user)).find((d) => d.delay_id === delayedLeave.delay_id);
        return now && now.running_since > delayedLeave.running_since ? now.running_since : undefined;
      },
      15_000,
    );
    // No SFU answers, so media fails; Element Call should leave by itself. If it does not within
    // a minute, the host hangs up (im.vector.hangup), which it must obey.
    let leftBy: CallRun["leftBy"] = "media failure";
    const emptied = async () =>
      (await memberships(run)).every((m) => Object.keys(m.content).length === 0) ? true : undefined;
    try {
      await waitUntil("Element Call to leave after media failed", emptied, 60_000, 250);
    } catch {
      leftBy = "hangup";
      await run.page.evaluate(() => (window as unknown as { ecHost: EcHostApi }).ecHost.hangUp());
      await waitUntil("Element Call to leave after the hangup", emptied, 30_000, 250);
    }
    // The membership the host's own client saw being emptied, for the timeline.
    await waitUntil("the host's client to see the leave", async () =>
      (await report(run)).membershipEmptiedAt !== undefined ? true : undefined,
    );
    const result: CallRun = {
      host: hostPage,
      user: { userId: run.user.userId, deviceId: run.user.deviceId },
      report: await report(run),
      membership,
      delayedLeave,
      restartedRunningSince,
      leftBy,
      finalMemberships: await memberships(run),
      stubRequests: stub.requests.slice(stubBefore),
      blocked: [...run.guard.blocked],
      pageErrors: run.logs.filter((l) => l.startsWith("pageerror")),
      lobbyReached: true,
    };
    if (hostPage === "our-host") {
      const extra = await run.page.evaluate(() => {
        const ours = (
          window as unknown as {
            ecHost: {
              traces(): Array<{ direction: string; action: string; ok: boolean; error?: string }>;
              unparsed(): string[];
            };
          }
        ).ecHost;
        return { traces: ours.traces(), unparsed: ours.unparsed() };
      });
      result.traces = extra.traces;
      result.unparsed = extra.unparsed;
    }
    return result;
  } finally {
    await run.page.evaluate(() => (window as unknown as { ecHost: EcHostApi }).ecHost.stop()).catch(() => {});
    await run.page.context().close();
  }
}

/** Checks what both hosts must show: joined, state written, delayed leave restarted, left, loopback only. */
function expectCallLifecycle(run: CallRun): void {
  const { report: r } = run;
  // Every capability Element Call asked for was granted.
  expect(r.requested.length).toBeGreaterThan(10);
  expect([...r.granted].sort()).toEqual([...r.requested].sort());
  // It joined: it told the host, and its membership names our device and the loopback focus.
  expect(r.element.map((e) => e.what)).toContain("joined");
  expect(run.membership.content).toMatchObject({ application: "m.call", device_id: run.user.deviceId });
  expect(run.membership.sender).toBe(run.user.userId);
  expect(JSON.stringify(run.membership.content)).toContain(rtc.serviceUrl);
  expect(r.membershipAt).toBeDefined();
  // Its delayed leave is an empty membership, scheduled and restarted on Synapse.
  expect(run.delayedLeave.content).toEqual({});
  expect(run.restartedRunningSince).toBeGreaterThan(run.delayedLeave.running_since);
  const restarts = r.wire.filter(
    (w) =>
      w.kind === "request" &&
      w.action === "org.matrix.msc4157.update_delayed_event" &&
      w.detail === "restart",
  );
  expect(restarts.length).toBeGreaterThanOrEqual(1);
  // It left again: every call membership in the room is empty.
  expect(run.finalMemberships.length).toBeGreaterThan(0);
  for (const m of run.finalMemberships) expect(m.content).toEqual({});
  expect(r.membershipEmptiedAt).toBeGreaterThan(r.membershipAt ?? Infinity);
  // The token stub vouched for this user through Synapse's OpenID userinfo.
  expect(run.stubRequests.some((q) => q.status === 200 && q.user === run.user.userId)).toBe(true);
  // Nothing tried to leave the machine.
  expect(run.blocked).toEqual([]);
  // No error reply went either way on the wire.
  expect(r.wire.filter((w) => w.error !== undefined)).toEqual([]);
}

describe(`Element Call ${ecVersion} (embedded) on Synapse, with a loopback RTC focus and no SFU`, () => {
  it("(a) in our WidgetHost with the stock MatrixClientDriver: every capability parsed and granted, joins from the lobby, writes its membership, restarts its delayed leave, leaves when media fails, no error replies", async () => {
    const run = await runCall("our-host");
    runs["our-host"] = run;
    console.log(
      `Element Call ${ecVersion} in our host wrote ${CALL_MEMBER} (state_key ${run.membership.state_key}):`,
    );
    console.log(JSON.stringify(run.membership.content, null, 2));
    expect(run.unparsed).toEqual([]);
    expect(run.traces?.length).toBeGreaterThan(10);
    expect(run.traces?.filter((t) => !t.ok)).toEqual([]);
    // Element's own actions were answered by the opt-in feature (and reached the app's callbacks).
    const whats = run.report.element.map((e) => e.what);
    expect(whats).toEqual(expect.arrayContaining(["joined", "device mute", "always on screen"]));
    expectCallLifecycle(run);
    expect(media.connections).toBeGreaterThan(0);
  });

  it("(b) in matrix-widget-api's ClientWidgetApi with a matrix-js-sdk WidgetDriver: joins from the lobby, writes its membership, restarts its delayed leave, leaves when media fails, no error replies", async () => {
    const run = await runCall("mwa-host");
    runs["mwa-host"] = run;
    console.log(
      `Element Call ${ecVersion} in ClientWidgetApi wrote ${CALL_MEMBER} (state_key ${run.membership.state_key}):`,
    );
    console.log(JSON.stringify(run.membership.content, null, 2));
    expectCallLifecycle(run);
  });
});
