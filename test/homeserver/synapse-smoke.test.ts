// Smoke tests for the real Synapse that global-setup.ts starts: the user
// directory, profiles and account data behave as the widget drivers expect.

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { csApi, registerUser, startSynapse } from "../../scripts/synapse/homeserver.mjs";
import type { RegisteredUser, RunningSynapse } from "./provided";

const hs = inject("synapse");

/** Unique, lowercase suffix so test files sharing the homeserver never collide on user names. */
const unique = () => randomBytes(4).toString("hex");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Synapse test homeserver", () => {
  const suffix = unique();
  const bobDisplayName = `Bob Builder ${suffix}`;
  let alice: RegisteredUser;
  let bob: RegisteredUser;

  beforeAll(async () => {
    alice = await registerUser(hs, { username: `alice_${suffix}`, displayName: `Alice Liddell ${suffix}` });
    bob = await registerUser(hs, { username: `bob_${suffix}`, displayName: bobDisplayName });

    const created = await csApi(hs, alice.accessToken, "POST", "/_matrix/client/v3/createRoom", {
      preset: "private_chat",
      name: "smoke test room",
      invite: [bob.userId],
    });
    expect(created.status).toBe(200);
    const roomId: string = created.json.room_id;

    const joined = await csApi(
      hs,
      bob.accessToken,
      "POST",
      `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`,
      {},
    );
    expect(joined.status).toBe(200);
  });

  it("registers users on the configured server name", () => {
    expect(alice.userId).toBe(`@alice_${suffix}:${hs.serverName}`);
    expect(bob.userId).toBe(`@bob_${suffix}:${hs.serverName}`);
    expect(alice.accessToken).toEqual(expect.any(String));
    expect(alice.deviceId).toEqual(expect.any(String));
  });

  it("finds a room-mate by display name through the user directory search", async () => {
    // The directory is updated asynchronously after profile changes, so poll briefly.
    let userIds: string[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      const res = await csApi(hs, alice.accessToken, "POST", "/_matrix/client/v3/user_directory/search", {
        search_term: bobDisplayName,
        limit: 10,
      });
      expect(res.status).toBe(200);
      userIds = (res.json.results as { user_id: string }[]).map((r) => r.user_id);
      if (userIds.includes(bob.userId)) break;
      await sleep(200);
    }
    expect(userIds).toContain(bob.userId);
  });

  it("returns a user's display name from GET /profile/{userId}", async () => {
    const res = await csApi(
      hs,
      alice.accessToken,
      "GET",
      `/_matrix/client/v3/profile/${encodeURIComponent(bob.userId)}`,
    );
    expect(res.status).toBe(200);
    expect(res.json.displayname).toBe(bobDisplayName);
  });

  it("round-trips global account data through PUT and GET", async () => {
    const path = `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/account_data/org.example.smoke`;
    const content = { widgets: ["a", "b"], nested: { n: 1, ok: true } };

    const put = await csApi(hs, alice.accessToken, "PUT", path, content);
    expect(put.status).toBe(200);

    const get = await csApi(hs, alice.accessToken, "GET", path);
    expect(get.status).toBe(200);
    expect(get.json).toEqual(content);
  });

  it("keeps global account data private to its owner", async () => {
    const path = `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/account_data/org.example.smoke`;
    const res = await csApi(hs, bob.accessToken, "GET", path);
    expect(res.status).toBe(403);
  });
});

describe("rate-limited Synapse (startSynapse({ rateLimited: true }))", () => {
  let limited: RunningSynapse;
  let carol: RegisteredUser;

  beforeAll(async () => {
    limited = await startSynapse({ rateLimited: true });
    carol = await registerUser(limited, { username: "carol", displayName: "Carol" });
  });

  afterAll(async () => {
    await limited?.stop();
  });

  it("answers user directory searches beyond the burst with 429 M_LIMIT_EXCEEDED and a retry time", async () => {
    const statuses: number[] = [];
    let limitedResponse: Awaited<ReturnType<typeof csApi>> | undefined;
    for (let i = 0; i < 5 && !limitedResponse; i++) {
      const res = await csApi(
        limited,
        carol.accessToken,
        "POST",
        "/_matrix/client/v3/user_directory/search",
        {
          search_term: "carol",
        },
      );
      statuses.push(res.status);
      if (res.status === 429) limitedResponse = res;
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(limitedResponse?.json.errcode).toBe("M_LIMIT_EXCEEDED");
    expect(limitedResponse?.json.retry_after_ms).toBeGreaterThan(0);
    expect(Number(limitedResponse?.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("answers profile lookups beyond the burst with 429 M_LIMIT_EXCEEDED and a retry time", async () => {
    const path = `/_matrix/client/v3/profile/${encodeURIComponent(carol.userId)}`;
    let limitedResponse: Awaited<ReturnType<typeof csApi>> | undefined;
    for (let i = 0; i < 5 && !limitedResponse; i++) {
      const res = await csApi(limited, carol.accessToken, "GET", path);
      if (res.status === 429) limitedResponse = res;
    }
    expect(limitedResponse?.json.errcode).toBe("M_LIMIT_EXCEEDED");
    expect(limitedResponse?.json.retry_after_ms).toBeGreaterThan(0);
    expect(Number(limitedResponse?.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
