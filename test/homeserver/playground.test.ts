// The playground on a real homeserver account (`npm start -- --homeserver …`), clicked through in
// Chromium: the page signs in to Synapse with matrix-js-sdk, lists the account's rooms, and the
// user picker's invite ends up as a real invite on the homeserver.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openPage } from "../browser/harness/index.js";
import { createRoom, csOk, registerFresh, uniqueSuffix } from "./matrix-client.js";
import {
  eventually,
  startPlaygroundAs,
  unexpectedProblems,
  type PlaygroundOnHomeserver,
} from "./playground-support.js";
import type { RegisteredUser } from "./provided";

const hs = inject("synapse");

let running: PlaygroundOnHomeserver | undefined;
let me: RegisteredUser;
let alice: RegisteredUser;
let aliceName: string;
let roomId: string;
let roomName: string;
let alias: string;

/** What the page exposes on `window.playground` in homeserver mode. */
interface WorldProbe {
  playground: {
    world: {
      viewedRoomId: string | undefined;
      resolveNavigationTarget(target: { type: "room"; room: string; via: string[] }): Promise<unknown>;
    };
  };
}

beforeAll(async () => {
  const suffix = uniqueSuffix();
  aliceName = `Alice Pg${suffix}`;
  [me, alice] = await Promise.all([
    registerFresh(hs, "me", `Me ${suffix}`),
    registerFresh(hs, "alice", aliceName),
  ]);
  roomName = `Playground room ${suffix}`;
  alias = `#pg-${suffix}:${hs.serverName}`;
  roomId = await createRoom(hs, me, {
    preset: "private_chat",
    name: roomName,
    room_alias_name: `pg-${suffix}`,
  });
  running = await startPlaygroundAs(hs, me);
});

afterAll(async () => {
  await running?.close();
});

describe("the playground on a homeserver", () => {
  it("lists the account's rooms, and the user picker's invite becomes a real invite", async () => {
    const { page, frameByOrigin, problems, close } = await openPage(running!.browser);
    try {
      await page.goto(`${running!.playground.hostOrigin}/`);
      // The room list comes from the synced client: the room created above, by its name.
      const entry = await page.waitForSelector(`#rooms button[data-room-id="${roomId}"]`, {
        timeout: 30_000,
      });
      expect(await entry.textContent()).toBe(roomName);
      expect(await page.textContent("#room-title")).toBe(roomName);
      expect(await page.textContent("#signed-in")).toContain(me.userId);
      expect(await page.evaluate(() => (window as never as WorldProbe).playground.world.viewedRoomId)).toBe(
        roomId,
      );

      // The user picker asks first; sensitive capabilities start unchecked, so check them all.
      await page.waitForSelector('dialog[open][data-kind="capabilities"]', { timeout: 30_000 });
      for (const box of await page.$$('dialog[open] input[type="checkbox"][data-capability]'))
        await box.check();
      await page.click('dialog[open] [data-testid="approve"]');
      const frame = await frameByOrigin(running!.playground.widgetOrigin);
      await frame.waitForFunction(() => document.getElementById("status")?.textContent?.includes("ready"));

      // A fresh Synapse rebuilds its user directory in a background update that first empties it,
      // which can drop a user registered moments before. Setting alice's name again indexes her
      // again, so do that and search (through the widget) until the directory finds her.
      const profilePath = `/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}/displayname`;
      await eventually(async () => {
        await csOk(hs, alice, "PUT", profilePath, { displayname: aliceName });
        await frame.fill("#search", "");
        await frame.fill("#search", aliceName);
        await frame.waitForSelector(`li[data-user-id="${alice.userId}"]`, { timeout: 3_000 });
      });
      await frame.click(`li[data-user-id="${alice.userId}"] button:text("Invite")`);

      // The share dialog shows alice's real profile and offers to invite her to the viewed room.
      const dialog = await page.waitForSelector(
        `dialog[open][data-kind="share"] .user[data-user-id="${alice.userId}"]`,
      );
      expect(await dialog.textContent()).toContain(aliceName);
      expect(await page.textContent('dialog[open] [data-testid="invite"]')).toBe(`Invite to ${roomName}`);
      const aliceSince: string = (await csOk(hs, alice, "GET", "/_matrix/client/v3/sync?timeout=0"))
        .next_batch;
      await page.click('dialog[open] [data-testid="invite"]');

      // Alice's own sync has the invite (incremental syncs from before the click: Synapse caches
      // an initial sync's response for a while), and the room's state says so.
      const statePath = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.member/${encodeURIComponent(alice.userId)}`;
      const invitedRooms: string[] = [];
      for (let since = aliceSince, rounds = 0; !invitedRooms.includes(roomId) && rounds < 6; rounds++) {
        const sync = await csOk(
          hs,
          alice,
          "GET",
          `/_matrix/client/v3/sync?timeout=5000&since=${encodeURIComponent(since)}`,
        );
        invitedRooms.push(...Object.keys(sync.rooms?.invite ?? {}));
        since = sync.next_batch;
      }
      expect(invitedRooms).toContain(roomId);
      const member = await csOk(hs, me, "GET", statePath);
      expect(member.membership).toBe("invite");
      await page.waitForFunction(() =>
        document.getElementById("log")?.textContent?.includes("share: invite"),
      );
      // The page's timeline follows the room: the invite is a second membership event there.
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll("#timeline li")].filter((li) =>
            li.textContent?.endsWith(": m.room.member"),
          ).length === 2,
      );
      // Links by alias resolve through the homeserver's directory, for the navigation confirmation.
      const resolved = await page.evaluate(
        (room) =>
          (window as never as WorldProbe).playground.world.resolveNavigationTarget({
            type: "room",
            room,
            via: [],
          }),
        alias,
      );
      expect(resolved).toEqual({ kind: "room", roomId, joined: true });
      // Expected 404s aside (the browser's favicon request, matrix-js-sdk probing unstable
      // endpoints Synapse lacks), nothing in the page or the widget failed.
      expect(unexpectedProblems(problems(), hs)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("hands the access token to the host page only, never to the widget origin or in served code", async () => {
    const { hostOrigin, widgetOrigin } = running!.playground;
    const path = "/__playground/homeserver-account";
    // Not from a browser page (no Sec-Fetch-Site), or forged for the widget origin: refused.
    expect((await fetch(`${hostOrigin}${path}`)).status).toBe(403);
    expect(
      (await fetch(`${widgetOrigin}${path}`, { headers: { "Sec-Fetch-Site": "same-origin" } })).status,
    ).toBe(403);
    // The served page source has the account's public part at most.
    for (const file of ["/src/main.ts", "/src/world-matrix.ts"]) {
      const source = await (await fetch(`${hostOrigin}${file}`)).text();
      expect(source.length).toBeGreaterThan(0);
      expect(source).not.toContain(me.accessToken);
    }

    const { page, frameByOrigin, close } = await openPage(running!.browser);
    try {
      await page.goto(`${hostOrigin}/`);
      const frame = await frameByOrigin(widgetOrigin);
      const fromWidget = await frame.evaluate(
        async ([host, account]) => {
          const attempt = (url: string) =>
            fetch(url).then(
              async (response) => `${response.status} ${await response.text()}`,
              (error: unknown) => `failed: ${String(error)}`,
            );
          return [await attempt(account!), await attempt(`${host}${account}`)];
        },
        [hostOrigin, path],
      );
      // Same origin as the widget: 403; the host origin: 403 or blocked by CORS. Never the token.
      expect(fromWidget[0]).toMatch(/^403 /);
      expect(fromWidget[1]).toMatch(/^(403 |failed: )/);
      for (const result of fromWidget) expect(result).not.toContain(me.accessToken);
    } finally {
      await close();
    }
  });
});
