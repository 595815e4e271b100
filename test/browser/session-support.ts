// Node-side helpers shared by session.test.ts and proposals.test.ts: serves the session fixtures on
// the harness's two origins, opens a host page with a widget in a cross-origin iframe, and runs
// typed callbacks against `window.__host` / `window.__widget` / `window.__frame`.
import type { Browser, Frame, Page } from "playwright-core";
import { expect } from "vitest";
import { fixturePage, startFixtureEnv } from "./fixture-env.js";
import { openPage, type OpenedPage, type Origins } from "./harness/index.js";
import {
  WIDGET_ID,
  type FrameApi,
  type HostApi,
  type HostConfig,
  type Outcome,
  type WidgetApi,
} from "./fixtures/session-types.js";

export { WIDGET_ID };

/** Capability strings, as the widget sends them (the unstable spellings deployed hosts know). */
export const CAP = {
  navigate: "org.matrix.msc2931.navigate",
  search: "org.matrix.msc3973.user_directory_search",
  mxidShare: "uk.half-shot.msc3662.mxid_share",
  readAccountData: (type: string) => `org.matrix.msc3751.read.account_data:${type}`,
} as const;

/** The servers and the browser one test file shares. */
export interface SessionEnv {
  readonly origins: Origins;
  readonly browser: Browser;
  readonly hostOrigin: string;
  readonly widgetOrigin: string;
  /**
   * A third origin: the widget's server under the host's host name (`http://localhost:<widget
   * port>`). Same host name as the host page, same port as the widget, so it differs from each
   * of them in exactly one part.
   */
  readonly thirdOrigin: string;
  close(): Promise<void>;
}

/** Starts the two servers with the session fixtures, and launches Chromium. */
export async function startSessionEnv(): Promise<SessionEnv> {
  const env = await startFixtureEnv(
    {
      "session-host": "session-host.ts",
      "session-widget": "session-widget.ts",
      "session-frame": "session-frame.ts",
    },
    [
      { origin: "host", path: "/host.html", html: fixturePage("session-host", "host") },
      { origin: "host", path: "/frame.html", html: fixturePage("session-frame", "frame") },
      { origin: "widget", path: "/widget.html", html: fixturePage("session-widget", "widget") },
      { origin: "widget", path: "/frame.html", html: fixturePage("session-frame", "frame") },
    ],
  );
  const { origins } = env;
  return {
    ...env,
    hostOrigin: origins.hostOrigin,
    widgetOrigin: origins.widgetOrigin,
    thirdOrigin: origins.widgetOrigin.replace("127.0.0.1", "localhost"),
  };
}

/** Which widget client the widget fixture creates: WidgetClient (`full`) or LiteWidgetClient. */
export type ClientKind = "full" | "lite";

/**
 * The widget URL a host renders: `widgetId`, `parentUrl`, one `cap` per capability to request,
 * and `client=lite` for a LiteWidgetClient.
 */
export function widgetUrl(
  env: SessionEnv,
  capabilities: readonly string[],
  client: ClientKind = "full",
): string {
  const query = new URLSearchParams({ widgetId: WIDGET_ID, parentUrl: env.hostOrigin });
  for (const capability of capabilities) query.append("cap", capability);
  if (client === "lite") query.set("client", "lite");
  return `${env.widgetOrigin}/widget.html?${query.toString()}`;
}

/** Options of {@link openSession}. */
export interface SessionOptions extends Omit<HostConfig, "widgetUrl" | "widgetOrigin"> {
  /** Capabilities the widget requests at start. */
  capabilities: string[];
  /** The widget client the widget page creates; WidgetClient by default. */
  client?: ClientKind;
}

/** A host page with a negotiated widget session. */
export interface Session {
  readonly p: OpenedPage;
  readonly page: Page;
  /** The widget's iframe (cross-origin, out of process). */
  readonly widget: Frame;
}

/**
 * Opens the host page in a fresh context, starts the WidgetHost and waits until the widget's
 * `WidgetClient.create()` (or `LiteWidgetClient.create()`) has resolved (so the capability exchange
 * is done on both sides).
 */
export async function openSession(env: SessionEnv, options: SessionOptions): Promise<Session> {
  const p = await openPage(env.browser);
  try {
    const { capabilities, client, ...rest } = options;
    const config: HostConfig = {
      ...rest,
      widgetUrl: widgetUrl(env, capabilities, client),
      widgetOrigin: env.widgetOrigin,
    };
    await p.page.goto(`${env.hostOrigin}/host.html`);
    await onHost(p.page, (h, c) => h.start(c), config);
    const widget = await waitForWidgetReady(p, env);
    // A test of one client must not pass on the other.
    expect(await onWidget(widget, (w) => w.clientKind)).toBe(client ?? "full");
    return { p, page: p.page, widget };
  } catch (error) {
    await p.close();
    throw error;
  }
}

/** Waits for the widget frame's client to be ready (after a load or reload) and returns the frame. */
export async function waitForWidgetReady(p: OpenedPage, env: SessionEnv): Promise<Frame> {
  const widget = await p.frameByOrigin(env.widgetOrigin, 20_000);
  const status = await waitFor(
    () => onWidget(widget, (w) => w.status),
    (s) => s !== "starting",
    "the widget client to start",
  );
  if (status !== "ready") {
    const error = await onWidget(widget, (w) => w.startError);
    throw new Error(`the widget client failed to start: ${JSON.stringify(error)}`);
  }
  return widget;
}

// ---- running code in the pages ---------------------------------------------------------------
//
// Playwright sends a callback's source text to the page; these helpers do the same, and hand the
// callback the fixture's API object, so the tests stay typed without casting `window` each time.
// The callbacks must be self-contained (no closures over test variables; pass data as `arg`).

type Target = Page | Frame;

function run<Api, A, R>(
  target: Target,
  global: string,
  fn: (api: Api, arg: A) => R,
  arg: A,
): Promise<Awaited<R>> {
  return target.evaluate(
    ([source, name, a]) => {
      const api = (window as unknown as Record<string, unknown>)[name];
      if (api === undefined) throw new Error(`window.${name} is not there (yet)`);
      const f = (0, eval)(`(${source})`) as (api: unknown, arg: unknown) => unknown;
      return f(api, a);
    },
    [fn.toString(), global, arg] as const,
  ) as Promise<Awaited<R>>;
}

/** Runs `fn(window.__host, arg)` in the host page. */
export function onHost<R, A = undefined>(
  page: Page,
  fn: (host: HostApi, arg: A) => R,
  arg?: A,
): Promise<Awaited<R>> {
  return run(page, "__host", fn, arg as A);
}

/** Runs `fn(window.__widget, arg)` in the widget frame. */
export function onWidget<R, A = undefined>(
  frame: Frame,
  fn: (widget: WidgetApi, arg: A) => R,
  arg?: A,
): Promise<Awaited<R>> {
  return run(frame, "__widget", fn, arg as A);
}

/** Runs `fn(window.__frame, arg)` in a plain fixture page or frame. */
export function onFrame<R, A = undefined>(
  target: Target,
  fn: (frame: FrameApi, arg: A) => R,
  arg?: A,
): Promise<Awaited<R>> {
  return run(target, "__frame", fn, arg as A);
}

/**
 * Polls `read` until `done` holds for its value (errors, e.g. from a document being replaced,
 * count as "not yet"), and returns that value. Fails after `timeoutMs` with `what` in the message.
 */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await read();
      if (done(value)) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out waiting for ${what}; last seen: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Finds a frame of the page whose URL starts with `prefix`, waiting for it to exist and load. */
export async function frameByUrl(page: Page, prefix: string): Promise<Frame> {
  const frame = await waitFor(
    async () => page.frames().find((f) => f.url().startsWith(prefix)),
    (f) => f !== undefined,
    `a frame at ${prefix}`,
  );
  await frame!.waitForLoadState("load");
  return frame!;
}

// ---- reading what happened ----------------------------------------------------------------------

/** A wire message, loosely typed for assertions. */
export interface WireMessage {
  api?: string;
  widgetId?: string;
  requestId?: string;
  action?: string;
  data?: Record<string, unknown>;
  response?: Record<string, unknown>;
}

const asWire = (data: unknown): WireMessage =>
  typeof data === "object" && data !== null ? (data as WireMessage) : {};

/** The requests the widget frame sent to the host for `action` (by wire name), in order. */
export async function widgetRequests(page: Page, action: string): Promise<WireMessage[]> {
  const received = await onHost(page, (h) => h.received);
  return received
    .filter((m) => m.fromWidgetFrame)
    .map((m) => asWire(m.data))
    .filter((m) => m.api === "fromWidget" && m.action === action && m.response === undefined);
}

/** Every reply the WidgetHost sent for `requestId`. */
export async function hostRepliesTo(page: Page, requestId: string): Promise<WireMessage[]> {
  const sent = await onHost(page, (h) => h.sent);
  return sent.map(asWire).filter((m) => m.requestId === requestId && m.response !== undefined);
}

/**
 * The one request the widget sent for `action`, and the replies the host sent to it: lets a test
 * check that a request got exactly one reply.
 */
export async function onlyExchange(
  page: Page,
  action: string,
): Promise<{ request: WireMessage; replies: WireMessage[] }> {
  const requests = await widgetRequests(page, action);
  expect(requests, `requests for ${action}`).toHaveLength(1);
  const request = requests[0]!;
  return { request, replies: await hostRepliesTo(page, request.requestId!) };
}

/** Narrows an outcome to its error, failing the test if the call worked. */
export function errorOf(outcome: Outcome): NonNullable<Extract<Outcome, { ok: false }>["error"]> {
  if (outcome.ok)
    throw new Error(`expected the call to fail, but it returned ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

/** Narrows an outcome to its value, failing the test if the call failed. */
export function valueOf<T>(outcome: Outcome<T>): T {
  if (!outcome.ok)
    throw new Error(`expected the call to work, but it failed: ${JSON.stringify(outcome.error)}`);
  return outcome.value;
}
