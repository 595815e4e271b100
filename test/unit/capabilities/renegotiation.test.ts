// Renegotiation (MSC2974) must cost the host bounded memory and bounded notifies, however often a
// widget asks and whatever it asks for; and asking again for what it already holds costs nothing.
import { describe, expect, it, vi } from "vitest";
import { MAX_GRANTABLE_CAPABILITY_LENGTH } from "../../../src/host/capability-filter.js";
import type { CapabilityRequest } from "../../../src/host/policy.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { MAX_CAPABILITIES_PER_REQUEST } from "../../../src/protocol/actions/schemas.js";
import { CLIENT_KINDS, connect, settle, WIDGET_ID } from "../../support/memory-session.js";

const receive = (type: string) => `org.matrix.msc2762.receive.event:${type}`;
const junk = (round: number, i: number) => `com.example.junk.${round}.${i}.${"x".repeat(2000)}`;

/** The requested list of every notify_capabilities the widget received. */
function notifiedRequested(sent: ReadonlyArray<{ action: string; data?: unknown }>): string[][] {
  return sent
    .filter((m) => m.action === "notify_capabilities" && !("response" in m))
    .map((m) => (m.data as { requested: string[] }).requested);
}

describe.each(CLIENT_KINDS)("renegotiation keeps the host's memory bounded (%s)", (kind) => {
  it("keeps only grantable capabilities from renegotiations: 20 rounds of junk add 20 entries, not 9,600", async () => {
    const { host, client, pair } = await connect({
      client: kind,
      capabilities: [receive("com.example.start")],
      policy: { approveCapabilities: ({ requested }) => requested },
      host: { limits: { renegotiation: { burst: 100, perSecond: 0 } } },
    });
    for (let round = 0; round < 20; round++) {
      const asked = [
        ...Array.from({ length: 480 }, (_, i) => junk(round, i)),
        receive(`com.example.r${round}`),
      ];
      const granted = await client.requestCapabilities(asked);
      expect(granted).toContain(receive(`com.example.r${round}`));
    }
    expect(host.requestedCapabilities).toHaveLength(21);
    expect(host.requestedCapabilities.join("").length).toBeLessThan(2000);
    const last = notifiedRequested(pair.host.sent).at(-1) ?? [];
    expect(last).toHaveLength(21);
    expect(last.every((capability) => capability.length < 100)).toBe(true);
  });

  it(`refuses a renegotiation that would take the session past ${MAX_CAPABILITIES_PER_REQUEST} requested capabilities, and the widget's call rejects instead of hanging`, async () => {
    const initial = Array.from({ length: MAX_CAPABILITIES_PER_REQUEST - 5 }, (_, i) =>
      receive(`com.example.a${i}`),
    );
    const approve = vi.fn(({ requested }: CapabilityRequest) => requested);
    const { host, client, pair } = await connect({
      client: kind,
      capabilities: initial,
      policy: { approveCapabilities: approve },
    });
    const more = Array.from({ length: 10 }, (_, i) => receive(`com.example.b${i}`));
    const started = Date.now();
    await expect(client.requestCapabilities(more, { timeoutMs: 5_000 })).rejects.toMatchObject({
      code: ErrorCode.LimitExceeded,
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(approve).toHaveBeenCalledTimes(1);
    expect(host.requestedCapabilities).toHaveLength(initial.length);
    // What still fits is served, and every notify stays within what a widget accepts.
    const granted = await client.requestCapabilities(more.slice(0, 5));
    expect(granted).toHaveLength(MAX_CAPABILITIES_PER_REQUEST);
    for (const requested of notifiedRequested(pair.host.sent)) {
      expect(requested.length).toBeLessThanOrEqual(MAX_CAPABILITIES_PER_REQUEST);
    }
  });

  it(`neither offers nor keeps a capability string longer than ${MAX_GRANTABLE_CAPABILITY_LENGTH} characters`, async () => {
    const approve = vi.fn(({ requested }: CapabilityRequest) => requested);
    const { host, client } = await connect({
      client: kind,
      capabilities: [],
      policy: { approveCapabilities: approve },
    });
    const long = receive(`com.example.${"y".repeat(MAX_GRANTABLE_CAPABILITY_LENGTH)}`);
    const granted = await client.requestCapabilities([long]);
    expect(granted).toEqual([]);
    expect(approve).toHaveBeenCalledTimes(0);
    expect(host.requestedCapabilities).toEqual([]);
  });
});

describe.each(CLIENT_KINDS)("the initial request (%s)", (kind) => {
  it("is kept as the widget sent it, less strings too long to be any capability", async () => {
    const long = `com.example.${"z".repeat(MAX_GRANTABLE_CAPABILITY_LENGTH)}`;
    const { host } = await connect({
      client: kind,
      capabilities: [receive("com.example.a"), "com.example.unknown", long],
      policy: { approveCapabilities: ({ requested }) => requested },
    });
    expect(host.requestedCapabilities).toEqual([receive("com.example.a"), "com.example.unknown"]);
    expect(host.grantedCapabilities).toEqual([receive("com.example.a")]);
  });
});

describe.each(CLIENT_KINDS)("renegotiation that asks for nothing new (%s)", (kind) => {
  it("is answered at once and costs nothing from the rate limit (matrix-widget-toolkit asks for what it holds)", async () => {
    const held = receive("com.example.held");
    const approve = vi.fn(({ requested }: CapabilityRequest) => requested);
    const { client } = await connect({
      client: kind,
      capabilities: [held],
      policy: { approveCapabilities: approve },
    });
    // The default bucket allows 3 renegotiations, then one every 10 s.
    for (let i = 0; i < 10; i++) {
      const started = Date.now();
      await expect(client.requestCapabilities([held])).resolves.toEqual([held]);
      expect(Date.now() - started).toBeLessThan(500);
    }
    // Junk that can never be granted asks the policy nothing and is free too.
    await expect(client.requestCapabilities(["com.example.unknown"])).resolves.toEqual([held]);
    expect(approve).toHaveBeenCalledTimes(1);
    // The bucket is untouched: three real renegotiations still go through.
    for (let i = 0; i < 3; i++) {
      await expect(client.requestCapabilities([receive(`com.example.new${i}`)])).resolves.toContain(
        receive(`com.example.new${i}`),
      );
    }
    await expect(client.requestCapabilities([receive("com.example.fourth")])).rejects.toMatchObject({
      code: ErrorCode.LimitExceeded,
    });
  });

  it("does not ask the user again in the same session about capabilities they declined, and charges nothing for them", async () => {
    const held = receive("com.example.held");
    const refused = receive("com.example.refused");
    // The user declines `refused` every time they are asked.
    const approve = vi.fn(({ requested }: CapabilityRequest) => requested.filter((c) => c !== refused));
    const { client } = await connect({
      client: kind,
      capabilities: [held, refused],
      policy: { approveCapabilities: approve },
    });
    expect(approve).toHaveBeenCalledTimes(1);
    // matrix-widget-toolkit re-sends its whole list on every call, the declined one included.
    for (let i = 0; i < 10; i++) {
      await expect(client.requestCapabilities([held, refused])).resolves.toEqual([held]);
    }
    // The stable spelling of the declined capability is the same capability.
    await expect(client.requestCapabilities(["m.receive.event:com.example.refused"])).resolves.toEqual([
      held,
    ]);
    expect(approve).toHaveBeenCalledTimes(1);
    // The rate limit is untouched: something new is still asked about.
    await expect(client.requestCapabilities([receive("com.example.new")])).resolves.toContain(
      receive("com.example.new"),
    );
    expect(approve).toHaveBeenCalledTimes(2);
  });

  it("asks again about a capability the policy failed to decide (a throw is no answer)", async () => {
    const wanted = receive("com.example.wanted");
    let calls = 0;
    const approve = vi.fn(({ requested }: CapabilityRequest) => {
      calls++;
      if (calls === 1) throw undefined;
      return requested;
    });
    const { client } = await connect({
      client: kind,
      capabilities: [wanted],
      policy: { approveCapabilities: approve },
    });
    await expect(client.requestCapabilities([wanted])).resolves.toEqual([wanted]);
    expect(approve).toHaveBeenCalledTimes(2);
  });

  it("counts the other spelling of a held capability as held", async () => {
    const { client } = await connect({
      client: kind,
      capabilities: ["m.receive.event:com.example.held"],
      policy: { approveCapabilities: ({ requested }) => requested },
    });
    for (let i = 0; i < 5; i++) {
      await expect(client.requestCapabilities([receive("com.example.held")])).resolves.toHaveLength(1);
    }
  });
});

describe.each(CLIENT_KINDS)("our widget and a host that notifies long lists (%s)", (kind) => {
  it("accepts a notify_capabilities with more than 512 requested entries, so requestCapabilities settles", async () => {
    const { client, pair } = await connect({
      client: kind,
      capabilities: [receive("com.example.a")],
      policy: { approveCapabilities: ({ requested }) => requested },
    });
    const requested = Array.from({ length: 900 }, (_, i) => `com.example.junk.${i}.${"q".repeat(2100)}`);
    const replies: unknown[] = [];
    pair.host.subscribe((message) => {
      const reply = message as { requestId?: string; response?: unknown };
      if (reply.requestId === "long-notify" && "response" in reply) replies.push(reply.response);
    });
    pair.host.send({
      api: "toWidget",
      widgetId: WIDGET_ID,
      requestId: "long-notify",
      action: "notify_capabilities",
      data: { requested, approved: [receive("com.example.a"), receive("com.example.b")] },
    });
    await vi.waitFor(() => expect(replies).toHaveLength(1));
    await settle(5);
    expect(replies).toEqual([{}]);
    expect(client.capabilities).toEqual([receive("com.example.a"), receive("com.example.b")]);
  });
});

describe.each(CLIENT_KINDS)("renegotiation asked for again and again while the user decides (%s)", (kind) => {
  it("queues one renegotiation behind the open one, not one per request: one more notify, and every call settles", async () => {
    const held = receive("com.example.held");
    const wanted = receive("com.example.wanted");
    let answer: ((granted: string[]) => void) | undefined;
    const { client, host, pair } = await connect({
      client: kind,
      capabilities: [held],
      policy: {
        approveCapabilities: ({ requested, renegotiation }) =>
          renegotiation ? new Promise<string[]>((resolve) => (answer = resolve)) : requested,
      },
    });
    const before = notifiedRequested(pair.host.sent).length;
    const first = client.requestCapabilities([wanted]);
    await vi.waitFor(() => expect(answer).toBeDefined());
    // Free requests (the widget holds what it asks for), each of which used to queue a
    // renegotiation and a notify of its own, holding its list until its turn.
    const again = Array.from({ length: 300 }, () => client.requestCapabilities([held]));
    await settle(5);
    answer?.([wanted]);
    await expect(first).resolves.toEqual([held, wanted]);
    for (const call of again) await expect(call).resolves.toEqual([held, wanted]);
    await settle(5);
    expect(notifiedRequested(pair.host.sent).length - before).toBe(2);
    expect(host.grantedCapabilities).toEqual([held, wanted]);
  });
});
