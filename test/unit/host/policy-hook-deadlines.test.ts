// A policy hook that may ask the user (allowNavigation, allowModal) and never answers must not
// leave its request unanswered: it is cut off after DECISION_TIMEOUT_MS, or when the session ends,
// and the request gets exactly one reply either way. The hook's abort signal tells its prompt so.
import { afterEach, describe, expect, it, vi } from "vitest";
import { DECISION_TIMEOUT_MS } from "../../../src/host/actions/misc/shared.js";
import { silentLogger } from "../../../src/core/logger.js";
import { approveCapabilities, type CapabilityRequest, type HostPolicy } from "../../../src/host/policy.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import type { WidgetMessage, WidgetResponse } from "../../../src/protocol/envelope.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { connect, drainMemoryChannels, rawRequest, WIDGET_ID } from "../../support/memory-session.js";

afterEach(() => vi.useRealTimers());

const never = () => new Promise<boolean>(() => {});

const CASES: ReadonlyArray<{
  name: string;
  capability: string;
  policy: Partial<HostPolicy>;
  action: string;
  data: object;
  timeoutCode: string;
}> = [
  {
    name: "allowNavigation",
    capability: "org.matrix.msc2931.navigate",
    policy: { allowNavigation: never },
    action: "org.matrix.msc2931.navigate",
    data: { uri: "https://matrix.to/#/@alice:example.org" },
    timeoutCode: ErrorCode.Timeout,
  },
  {
    // A modal hook that fails (a timeout included) refuses the modal, as a throw does.
    name: "allowModal",
    capability: "org.matrix.msc2790.modals",
    policy: { allowModal: never },
    action: "open_modal",
    data: { type: "m.custom", url: "https://example.org/modal.html", name: "Modal", buttons: [] },
    timeoutCode: ErrorCode.Refused,
  },
];

async function open(policy: Partial<HostPolicy>, capability: string) {
  const navigated: unknown[] = [];
  const opened: unknown[] = [];
  const session = await connect({
    capabilities: [capability],
    policy: { ...approveCapabilities("all-requested"), ...policy },
    driver: {
      navigate: async (target: unknown) => void navigated.push(target),
      openModal: async (request: unknown) => void opened.push(request),
      requestOpenId: async () => undefined,
    } as never,
  });
  const replies: WidgetResponse[] = [];
  session.pair.widget.subscribe((raw) => {
    const message = raw as WidgetMessage;
    if ("response" in message) replies.push(message as WidgetResponse);
  });
  return { ...session, replies, navigated, opened };
}

describe.each(CASES)(
  "a $name hook that never answers",
  ({ policy, capability, action, data, timeoutCode }) => {
    it(`gets one ${timeoutCode} reply once DECISION_TIMEOUT_MS has passed, and nothing is done`, async () => {
      const s = await open(policy, capability);
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const request = rawRequest(action, data);
      s.pair.widget.send(request as WidgetMessage);
      await drainMemoryChannels();
      await vi.advanceTimersByTimeAsync(DECISION_TIMEOUT_MS - 1000);
      await drainMemoryChannels();
      expect(s.replies.filter((reply) => reply.requestId === request.requestId)).toEqual([]);
      await vi.advanceTimersByTimeAsync(2000);
      await drainMemoryChannels();
      const replies = s.replies.filter((reply) => reply.requestId === request.requestId);
      expect(replies.map((reply) => (reply.response as { error?: { code?: string } }).error?.code)).toEqual([
        timeoutCode,
      ]);
      expect(s.navigated).toEqual([]);
      expect(s.opened).toEqual([]);
    });

    it("gets one session_ended reply when the frame reloads while the hook still waits", async () => {
      const s = await open(policy, capability);
      const request = rawRequest(action, data);
      s.pair.widget.send(request as WidgetMessage);
      await drainMemoryChannels();
      s.pair.host.simulatePeerLoad();
      await drainMemoryChannels();
      await new Promise((resolve) => setTimeout(resolve, 10));
      await drainMemoryChannels();
      const replies = s.replies.filter((reply) => reply.requestId === request.requestId);
      expect(replies.map((reply) => (reply.response as { error?: { code?: string } }).error?.code)).toEqual([
        ErrorCode.SessionEnded,
      ]);
      expect(s.navigated).toEqual([]);
      expect(s.opened).toEqual([]);
    });
  },
);

/** Each hook, never answering, with the signal the host handed it recorded. */
const WATCHED: ReadonlyArray<{
  name: string;
  capability: string;
  action: string;
  data: object;
  policy: (signals: AbortSignal[]) => Partial<HostPolicy>;
}> = [
  {
    name: "allowNavigation",
    capability: "org.matrix.msc2931.navigate",
    action: "org.matrix.msc2931.navigate",
    data: { uri: "https://matrix.to/#/@alice:example.org" },
    policy: (signals) => ({
      allowNavigation: (_target, _widget, decision) => {
        if (decision) signals.push(decision.signal);
        return never();
      },
    }),
  },
  {
    name: "allowModal",
    capability: "org.matrix.msc2790.modals",
    action: "open_modal",
    data: { type: "m.custom", url: "https://example.org/modal.html", name: "Modal", buttons: [] },
    policy: (signals) => ({
      allowModal: (request) => {
        if (request.signal) signals.push(request.signal);
        return never();
      },
    }),
  },
  {
    name: "approveOpenId",
    capability: "org.matrix.msc2931.navigate",
    action: "get_openid",
    data: {},
    policy: (signals) => ({
      approveOpenId: (request) => {
        signals.push(request.signal);
        return never();
      },
    }),
  },
];

describe.each(WATCHED)("the signal a $name hook gets", ({ policy, capability, action, data }) => {
  it("aborts when DECISION_TIMEOUT_MS has passed, so the app's prompt can close", async () => {
    const signals: AbortSignal[] = [];
    const s = await open(policy(signals), capability);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    s.pair.widget.send(rawRequest(action, data) as WidgetMessage);
    await drainMemoryChannels();
    expect(signals).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(DECISION_TIMEOUT_MS - 1000);
    expect(signals[0]?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    await drainMemoryChannels();
    expect(signals[0]?.aborted).toBe(true);
    expect((signals[0]?.reason as { code?: string } | undefined)?.code).toBe(ErrorCode.Timeout);
  });

  it("aborts when the widget's session ends while the hook still waits", async () => {
    const signals: AbortSignal[] = [];
    const s = await open(policy(signals), capability);
    s.pair.widget.send(rawRequest(action, data) as WidgetMessage);
    await drainMemoryChannels();
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(false);
    s.pair.host.simulatePeerLoad();
    await drainMemoryChannels();
    expect(signals[0]?.aborted).toBe(true);
  });
});

describe("the signal of a hook that answered", () => {
  it.each([
    ["refusing", async () => false],
    ["throwing", async () => Promise.reject(new Error("the prompt crashed"))],
  ])(
    "is not aborted after a navigation hook answered by %s: the host never stopped waiting for it",
    async (_, answer) => {
      const signals: AbortSignal[] = [];
      const s = await open(
        {
          allowNavigation: (_target, _widget, decision) => {
            if (decision) signals.push(decision.signal);
            return answer();
          },
        },
        "org.matrix.msc2931.navigate",
      );
      const request = rawRequest("org.matrix.msc2931.navigate", {
        uri: "https://matrix.to/#/@alice:example.org",
      });
      s.pair.widget.send(request as WidgetMessage);
      await drainMemoryChannels();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(s.replies.filter((reply) => reply.requestId === request.requestId)).toHaveLength(1);
      expect(signals).toHaveLength(1);
      expect(signals[0]?.aborted).toBe(false);
    },
  );
});

describe("the capability decision's signal", () => {
  it("is aborted when the widget's session ends while the policy is still deciding (a prompt can close then)", async () => {
    const pair = createMemoryTransportPair();
    const requests: CapabilityRequest[] = [];
    const host = new WidgetHost({
      widgetId: WIDGET_ID,
      transport: pair.host,
      logger: silentLogger,
      policy: {
        approveCapabilities: (request) => {
          requests.push(request);
          return new Promise<string[]>(() => {});
        },
      },
    });
    void WidgetClient.create({
      widgetId: WIDGET_ID,
      transport: pair.widget,
      logger: silentLogger,
      capabilities: ["org.matrix.msc2931.navigate"],
      readyTimeoutMs: 60_000,
    }).catch(() => {});
    host.start();
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    const signal = requests[0]?.signal;
    expect(signal?.aborted).toBe(false);
    pair.host.simulatePeerLoad();
    expect(signal?.aborted).toBe(true);
    host.destroy();
  });
});

describe.each(CASES)(
  "a widget asking again while its $name hook waits",
  ({ policy, capability, action, data }) => {
    // host-ui opens one dialog at a time, in order: a question per request would let one widget
    // queue a line of its own questions in front of every other widget's prompt.
    it("puts one question to the app at a time; the others get limit_exceeded, and the next may ask once it is answered", async () => {
      let asked = 0;
      let answer: ((allowed: boolean) => void) | undefined;
      const hook = () => {
        asked++;
        return new Promise<boolean>((resolve) => (answer = resolve));
      };
      const name = Object.keys(policy)[0] as "allowNavigation" | "allowModal";
      const s = await open({ [name]: hook }, capability);
      const requests = [0, 1, 2].map(() => rawRequest(action, data));
      for (const request of requests) s.pair.widget.send(request as WidgetMessage);
      await drainMemoryChannels();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(asked).toBe(1);
      const codeOf = (request: { requestId: string }) =>
        s.replies
          .filter((reply) => reply.requestId === request.requestId)
          .map((reply) => (reply.response as { error?: { code?: string } }).error?.code ?? "ok");
      expect(requests.slice(1).map(codeOf)).toEqual([[ErrorCode.LimitExceeded], [ErrorCode.LimitExceeded]]);
      expect(codeOf(requests[0]!)).toEqual([]);
      answer?.(true);
      await drainMemoryChannels();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(codeOf(requests[0]!)).toEqual(["ok"]);
      s.pair.widget.send(rawRequest(action, data) as WidgetMessage);
      await drainMemoryChannels();
      expect(asked).toBe(2);
    });
  },
);
