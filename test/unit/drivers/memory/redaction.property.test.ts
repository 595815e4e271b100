// Whatever an event held, its redacted form holds only what room version 11 keeps. The lists here
// are written out again from the spec on purpose, so a slip in the module's tables shows.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MatrixEvent } from "../../../../src/drivers/memory/index.js";
import { redactEvent } from "../../../../src/drivers/memory/redaction.js";
import { newWorld } from "./helpers.js";

const ME = "@me:example.org";

const TOP_LEVEL = [
  "event_id",
  "type",
  "room_id",
  "sender",
  "state_key",
  "content",
  "hashes",
  "signatures",
  "depth",
  "prev_events",
  "auth_events",
  "origin_server_ts",
  "unsigned",
];

const CONTENT: Record<string, string[]> = {
  "m.room.member": ["membership", "join_authorised_via_users_server", "third_party_invite"],
  "m.room.join_rules": ["join_rule", "allow"],
  "m.room.power_levels": [
    "ban",
    "events",
    "events_default",
    "invite",
    "kick",
    "redact",
    "state_default",
    "users",
    "users_default",
  ],
  "m.room.history_visibility": ["history_visibility"],
  "m.room.redaction": ["redacts"],
};
const SPECIAL_TYPES = [...Object.keys(CONTENT), "m.room.create"];

/** Content with keys a redaction keeps for some type mixed among arbitrary ones. */
const content = fc.dictionary(
  fc.oneof(fc.constantFrom(...Object.values(CONTENT).flat(), "body", "msgtype"), fc.string({ maxLength: 6 })),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 6 },
);

/**
 * Checks the redacted form against the spec's lists; the kept values are the original ones.
 * `read` says the event was read from the world, which adds `age` (and `prev_*` to state that
 * replaced other state) to what the redaction stored.
 */
function expectOnlyAllowedKeys(redacted: MatrixEvent, original: MatrixEvent, read: boolean): void {
  for (const key of Object.keys(redacted)) expect(TOP_LEVEL).toContain(key);
  // Kept through the redaction: `redacted_because` with `redacted_by`, and, on state that replaced other state,
  // `replaces_state`, as Synapse keeps it.
  const unsigned = redacted.unsigned ?? {};
  const replaces: unknown = original.unsigned?.replaces_state;
  const expectedUnsigned = ["redacted_because", "redacted_by"];
  if (read) expectedUnsigned.push("age");
  if (typeof replaces === "string") {
    expectedUnsigned.push("replaces_state");
    if (read) expectedUnsigned.push("prev_content", "prev_sender");
  }
  expect(Object.keys(unsigned).sort()).toEqual(expectedUnsigned.sort());
  expect(unsigned.replaces_state).toBe(typeof replaces === "string" ? replaces : undefined);
  if (original.type === "m.room.create") {
    expect(redacted.content).toEqual(original.content);
    return;
  }
  const allowed = Object.hasOwn(CONTENT, original.type) ? CONTENT[original.type]! : [];
  for (const [key, value] of Object.entries(redacted.content)) {
    expect(allowed).toContain(key);
    if (key !== "third_party_invite") expect(value).toEqual(original.content[key]);
  }
  const invite = redacted.content["third_party_invite"];
  if (invite !== undefined) expect(Object.keys(invite as object)).toEqual(["signed"]);
}

describe("redaction, whatever the event", () => {
  it("leaves only the keys room version 11 allows on any event a member redacts in the world", () => {
    // Types the world refuses to send (m.room.member) or to redact (create, server ACL), and
    // redactions, which need a target of their own, are left to the next property.
    const sendable = fc
      .oneof(
        fc.constantFrom(...SPECIAL_TYPES, "m.room.message", "m.reaction"),
        fc.string({ minLength: 1, maxLength: 12 }),
      )
      .filter(
        (type) => !["m.room.member", "m.room.create", "m.room.server_acl", "m.room.redaction"].includes(type),
      );
    fc.assert(
      fc.property(
        sendable,
        content,
        // A state key that is another user's ID is refused to any sender (room version 11).
        fc.option(
          fc.string({ maxLength: 4 }).filter((key) => !key.startsWith("@")),
          { nil: undefined },
        ),
        (type, body, stateKey) => {
          const world = newWorld();
          const room = world.createRoom({ creator: ME });
          const sent = world.sendEvent(room, ME, {
            type,
            content: body,
            ...(stateKey === undefined ? {} : { state_key: stateKey }),
          });
          world.sendEvent(room, ME, { type: "m.room.redaction", content: { redacts: sent.event_id } });
          const redacted = world.getEvent(room, sent.event_id)!;
          expectOnlyAllowedKeys(redacted, sent, true);
          if (stateKey !== undefined) expect(world.getStateEvent(room, type, stateKey)).toEqual(redacted);
        },
      ),
    );
  });

  it("leaves only the keys room version 11 allows, whatever other keys an event carries", () => {
    const extraKeys = fc.dictionary(
      fc.oneof(
        fc.constantFrom(...TOP_LEVEL, "redacts", "origin", "membership", "msc4354_sticky"),
        fc.string(),
      ),
      fc.jsonValue({ maxDepth: 1 }),
      { maxKeys: 5 },
    );
    const member = fc.record({
      membership: fc.constantFrom("join", "invite", "leave"),
      displayname: fc.string(),
      third_party_invite: fc.dictionary(
        fc.constantFrom("signed", "display_name", "x"),
        fc.jsonValue({ maxDepth: 1 }),
      ),
    });
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...SPECIAL_TYPES, "m.room.message"), fc.string({ maxLength: 12 })),
        fc.oneof(content, member),
        extraKeys,
        (type, body, extra) => {
          const event = {
            ...extra,
            event_id: "$e1",
            room_id: "!r1:example.org",
            sender: ME,
            type,
            content: body,
            origin_server_ts: 1,
          } as MatrixEvent;
          const redaction: MatrixEvent = {
            event_id: "$e2",
            room_id: "!r1:example.org",
            sender: ME,
            type: "m.room.redaction",
            content: { redacts: "$e1" },
            origin_server_ts: 2,
          };
          const redacted = redactEvent(event, redaction);
          expectOnlyAllowedKeys(redacted, event, false);
          const replaces: unknown = event.unsigned?.replaces_state;
          expect(redacted.unsigned).toEqual({
            ...(typeof replaces === "string" ? { replaces_state: replaces } : {}),
            redacted_because: redaction,
            redacted_by: redaction.event_id,
          });
        },
      ),
    );
  });
});
