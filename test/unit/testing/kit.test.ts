import { describe, expect, it, vi } from "vitest";
import * as hostEntry from "../../../src/host/index.js";
import * as testing from "../../../src/testing/index.js";
import {
  createTestWorld,
  mountWidget,
  TEST_OTHER_USER_ID,
  TEST_OWN_USER_ID,
  TEST_ROOM_ID,
  type MountedWidget,
} from "../../../src/testing/index.js";
import {
  onLanguageChange,
  navigate,
  sendEvent,
  onStateUpdate,
  onThemeChange,
  readStateEvents,
  shareUsers,
  stateCapability,
  watchAccountData,
} from "../../../src/widget/index.js";

const NAVIGATE = "org.matrix.msc2931.navigate";
const SHARE = "uk.half-shot.msc3662.mxid_share";
const BOB = "@bob:example.org";

async function withKit(
  options: Parameters<typeof mountWidget>[0],
  body: (kit: MountedWidget) => Promise<void>,
): Promise<void> {
  const kit = await mountWidget(options);
  try {
    await body(kit);
  } finally {
    kit.destroy();
  }
}

describe("matrix-widget-kit/testing: mounting", () => {
  it("mounts a ready client and host on the default world, viewing the test room", async () => {
    await withKit({ capabilities: [NAVIGATE] }, async (kit) => {
      expect(kit.host.state).toBe("ready");
      expect(kit.client.capabilities).toEqual([NAVIGATE]);
      expect(kit.host.viewedRoomId).toBe(TEST_ROOM_ID);
      expect(kit.world.ownUserId).toBe(TEST_OWN_USER_ID);
      expect(kit.world.members(TEST_ROOM_ID)).toEqual(
        expect.arrayContaining([TEST_OWN_USER_ID, TEST_OTHER_USER_ID]),
      );
    });
  });

  it("exports createMemoryTransportPair from the testing entry and still from the host entry", () => {
    expect(testing.createMemoryTransportPair).toBe(hostEntry.createMemoryTransportPair);
    const pair = testing.createMemoryTransportPair();
    expect(pair.widget.peer).toBe(pair.host);
  });

  it("destroy() leaves no listener on either transport end", async () => {
    const kit = await mountWidget({});
    kit.destroy();
    expect(kit.transports.host.listenerCount).toBe(0);
    expect(kit.transports.widget.listenerCount).toBe(0);
  });
});

describe("matrix-widget-kit/testing: the scripted user", () => {
  it("approves only the listed capabilities when told to approve some", async () => {
    await withKit({ capabilities: [NAVIGATE, SHARE], approve: [SHARE] }, async (kit) => {
      expect(kit.client.capabilities).toEqual([SHARE]);
      expect(kit.user.prompts).toEqual([expect.objectContaining({ kind: "capabilities", answer: [SHARE] })]);
    });
  });

  it("answers a renegotiation with the answer standing at that time", async () => {
    await withKit({ capabilities: [] }, async (kit) => {
      kit.user.denyCapabilities();
      await kit.client.requestCapabilities([NAVIGATE]);
      expect(kit.client.capabilities).toEqual([]);
      kit.user.approveCapabilities("all");
      await kit.client.requestCapabilities([SHARE]);
      expect(kit.client.capabilities).toEqual([SHARE]);
      expect(kit.user.prompts.map((prompt) => prompt.kind === "capabilities" && prompt.answer)).toEqual([
        [],
        [SHARE],
      ]);
    });
  });

  it("a share answered with invite invites the user into the viewed room", async () => {
    const world = createTestWorld();
    world.addUser({ userId: BOB, displayName: "Bob" });
    await withKit({ world, viewedRoomId: TEST_ROOM_ID, capabilities: [SHARE] }, async (kit) => {
      kit.user.answerShares("invite");
      await shareUsers(kit.client, [BOB]);
      await vi.waitFor(() => expect(kit.world.membership(TEST_ROOM_ID, BOB)).toBe("invite"));
      expect(kit.user.prompts.at(-1)).toMatchObject({ kind: "share", answer: { action: "invite" } });
    });
  });

  it("a share answered with create_dm creates a direct room with the user", async () => {
    const world = createTestWorld();
    world.addUser({ userId: BOB });
    await withKit({ world, viewedRoomId: TEST_ROOM_ID, capabilities: [SHARE] }, async (kit) => {
      const before = kit.world.listRoomIds().length;
      kit.user.answerShares("create_dm");
      await shareUsers(kit.client, [BOB]);
      await vi.waitFor(() => expect(kit.world.listRoomIds()).toHaveLength(before + 1));
      const created = kit.world.listRoomIds().find((roomId) => roomId !== TEST_ROOM_ID);
      expect(kit.world.membership(created ?? "", BOB)).toBe("invite");
    });
  });

  it("a dismissed share (the default answer) changes nothing in the world", async () => {
    const world = createTestWorld();
    world.addUser({ userId: BOB });
    await withKit({ world, viewedRoomId: TEST_ROOM_ID, capabilities: [SHARE] }, async (kit) => {
      const before = kit.world.snapshot();
      await shareUsers(kit.client, [BOB]);
      await vi.waitFor(() => expect(kit.user.prompts.at(-1)?.kind).toBe("share"));
      await kit.settle();
      expect(kit.world.snapshot()).toEqual(before);
      // Only the profile lookup that showed the prompt; no invite, no room created.
      expect(kit.driverCalls().map((call) => call.op)).toEqual(["getProfile"]);
    });
  });

  it("a confirmed navigation (the default answer) reaches the driver once", async () => {
    await withKit({ capabilities: [NAVIGATE] }, async (kit) => {
      await navigate(kit.client, `https://matrix.to/#/${TEST_OTHER_USER_ID}`);
      expect(kit.driverCalls("navigate")).toHaveLength(1);
      expect(kit.user.prompts.at(-1)).toMatchObject({ kind: "navigation", answer: true });
    });
  });
});

describe("matrix-widget-kit/testing: prompts held open", () => {
  it("a held navigation prompt keeps the widget's call waiting, and reaches the driver only once confirmed", async () => {
    await withKit({ capabilities: [NAVIGATE] }, async (kit) => {
      const asked = kit.user.nextPrompt("navigation");
      let settled = false;
      const call = navigate(kit.client, `https://matrix.to/#/${TEST_OTHER_USER_ID}`).finally(
        () => (settled = true),
      );
      const prompt = await asked;
      expect(prompt.target).toMatchObject({ type: "user", userId: TEST_OTHER_USER_ID });
      await kit.settle(50);
      expect(settled).toBe(false);
      expect(kit.driverCalls("navigate")).toEqual([]);
      prompt.answer(true);
      await call;
      expect(kit.driverCalls("navigate")).toHaveLength(1);
      expect(kit.user.prompts.at(-1)).toMatchObject({ kind: "navigation", answer: true });
    });
  });

  it("a held share prompt changes nothing until answered; then the answer is carried out", async () => {
    const world = createTestWorld();
    world.addUser({ userId: BOB, displayName: "Bob" });
    await withKit({ world, viewedRoomId: TEST_ROOM_ID, capabilities: [SHARE] }, async (kit) => {
      const asked = kit.user.nextPrompt("share");
      await shareUsers(kit.client, [BOB]);
      const prompt = await asked;
      expect(prompt.request.users.map((user) => user.userId)).toEqual([BOB]);
      expect(kit.world.membership(TEST_ROOM_ID, BOB)).toBeUndefined();
      prompt.answer("invite");
      await vi.waitFor(() => expect(kit.world.membership(TEST_ROOM_ID, BOB)).toBe("invite"));
    });
  });

  it("a held renegotiation prompt is answered with what the test decides", async () => {
    await withKit({}, async (kit) => {
      const asked = kit.user.nextPrompt("capabilities");
      const renegotiation = kit.client.requestCapabilities([NAVIGATE, SHARE]);
      const prompt = await asked;
      expect(prompt.request).toMatchObject({ requested: [NAVIGATE, SHARE], renegotiation: true });
      prompt.answer([SHARE]);
      prompt.answer("all"); // only the first answer counts
      await renegotiation;
      expect(kit.client.capabilities).toEqual([SHARE]);
    });
  });
});

describe("matrix-widget-kit/testing: pushes and driver calls", () => {
  it("keeps the host's session set-up reads (current state for the first push) apart from driverCalls", async () => {
    await withKit({ capabilities: [stateCapability("receive", "m.room.topic")] }, async (kit) => {
      expect(kit.setupDriverCalls.map((call) => call.op)).toEqual(["readStateEvents"]);
      expect(kit.driverCalls()).toEqual([]);
      expect(kit.takeDriverCalls()).toEqual([]);
    });
  });

  it("pushes a state change to a widget allowed to receive it", async () => {
    const batches: unknown[][] = [];
    await withKit(
      {
        capabilities: [stateCapability("receive", "m.room.topic")],
        client: { beforeStart: (client) => onStateUpdate(client, (state) => batches.push(state)) },
      },
      async (kit) => {
        await kit.settle();
        batches.length = 0;
        await kit.setRoomState("m.room.topic", "", { topic: "Lunch" });
        expect(batches.flat()).toEqual([
          expect.objectContaining({ type: "m.room.topic", state_key: "", content: { topic: "Lunch" } }),
        ]);
      },
    );
  });

  it("a widget reading state sees prev_content, prev_sender and replaces_state as from Synapse", async () => {
    await withKit({ capabilities: [stateCapability("receive", "m.room.topic")] }, async (kit) => {
      const first = await kit.setRoomState("m.room.topic", "", { topic: "Breakfast" });
      const second = await kit.setRoomState("m.room.topic", "", { topic: "Lunch" });
      const [topic] = await readStateEvents(kit.client, "m.room.topic", { stateKey: "" });
      expect(topic).toMatchObject({ event_id: second.event_id, content: { topic: "Lunch" } });
      expect(topic?.unsigned).toEqual({
        age: expect.any(Number),
        replaces_state: first.event_id,
        prev_content: { topic: "Breakfast" },
        prev_sender: TEST_OTHER_USER_ID,
      });
    });
  });

  it("the default world's moderator may invite into the test room, as Synapse's public_chat lets 50 do", async () => {
    await withKit({}, async (kit) => {
      kit.world.addUser({ userId: BOB });
      kit.world.invite(TEST_ROOM_ID, TEST_OTHER_USER_ID, BOB);
      expect(kit.world.membership(TEST_ROOM_ID, BOB)).toBe("invite");
      // What Synapse keeps at 100 stays the creator's: the signed-in user's.
      expect(() =>
        kit.world.sendEvent(TEST_ROOM_ID, TEST_OTHER_USER_ID, {
          type: "m.room.history_visibility",
          state_key: "",
          content: { history_visibility: "joined" },
        }),
      ).toThrow("send_level (100)");
    });
  });

  it("delivers an account-data change to a widget watching the type", async () => {
    const type = "org.example.settings";
    await withKit({ capabilities: [`org.matrix.msc3751.read.account_data:${type}`] }, async (kit) => {
      const seen: unknown[] = [];
      await watchAccountData(kit.client, [type], (changed, content) => seen.push([changed, content]));
      await kit.setAccountData(type, { dark: true });
      await vi.waitFor(() => expect(seen).toEqual([[type, { dark: true }]]));
    });
  });

  it("sends theme and language changes that the widget's listeners receive", async () => {
    const themes: unknown[] = [];
    const languages: string[] = [];
    await withKit(
      {
        client: {
          beforeStart: (client) => {
            onThemeChange(client, (theme) => themes.push(theme));
            onLanguageChange(client, (lang) => languages.push(lang));
          },
        },
      },
      async (kit) => {
        expect(await kit.setTheme({ name: "dark" })).toBe(true);
        expect(await kit.setLanguage("de")).toBe(true);
        expect(themes).toEqual([{ name: "dark" }]);
        expect(languages).toEqual(["de"]);
      },
    );
  });

  it("driver calls leave out the host's own room-event subscription, which is in subscriptions", async () => {
    await withKit({ capabilities: [NAVIGATE] }, async (kit) => {
      expect(kit.driver.subscriptions.map((call) => call.op)).toEqual(["watchRoomEvents"]);
      expect(kit.driverCalls()).toEqual([]);
      await navigate(kit.client, `https://matrix.to/#/${TEST_OTHER_USER_ID}`);
      expect(kit.takeDriverCalls().map((call) => call.op)).toEqual(["navigate"]);
      expect(kit.takeDriverCalls()).toEqual([]);
    });
  });
});

describe("matrix-widget-kit/testing: timers", () => {
  it("destroy() forgets the delayed events of the world the kit made: none is sent afterwards", async () => {
    const kit = await mountWidget({
      capabilities: [
        "org.matrix.msc4157.send.delayed_event",
        "org.matrix.msc2762.send.event:org.example.later",
      ],
    });
    await sendEvent(kit.client, "org.example.later", { n: 1 }, { delayMs: 30 });
    const before = kit.world.timeline(TEST_ROOM_ID).length;
    kit.destroy();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(kit.world.timeline(TEST_ROOM_ID)).toHaveLength(before);
  });

  it("mounts and settles under fake timers installed by the test", async () => {
    vi.useFakeTimers();
    try {
      const kit = await mountWidget({ capabilities: [NAVIGATE] });
      const event = await kit.sendRoomEvent({ type: "org.example.ping", content: {} });
      expect(event.type).toBe("org.example.ping");
      kit.destroy();
    } finally {
      vi.useRealTimers();
    }
  });
});
