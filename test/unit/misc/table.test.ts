import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { miscHostActions } from "../../../src/host/actions/misc/index.js";
import { wireNames } from "../../../src/protocol/action.js";
import { MISC_ACTIONS } from "../../../src/protocol/actions/misc.js";
import { getOpenIdAction, openIdCredentialsAction } from "../../../src/protocol/actions/openid.js";
import { updateTurnServersAction } from "../../../src/protocol/actions/turn.js";
import { binarySchema, isMxcUri } from "../../../src/protocol/actions/misc-schemas.js";
import { ACTIONS } from "../../../src/protocol/table.js";

describe("the misc action table", () => {
  it("keys every descriptor by its own id", () => {
    for (const [key, action] of Object.entries(MISC_ACTIONS)) expect(action.id).toBe(key);
  });

  it("is spread into the whole table without clashing with another family's id", () => {
    for (const [key, action] of Object.entries(MISC_ACTIONS)) {
      expect((ACTIONS as Record<string, unknown>)[key]).toBe(action);
    }
  });

  it("has a host handler for every fromWidget action and none for a toWidget one", () => {
    const handled = new Set(miscHostActions.map((registration) => registration.action));
    for (const action of Object.values(MISC_ACTIONS)) {
      expect(handled.has(action), action.id).toBe(action.direction === "fromWidget");
    }
  });

  it("gives each wire name in one direction to a single action", () => {
    const seen = new Set<string>();
    for (const action of Object.values(MISC_ACTIONS)) {
      for (const name of wireNames(action)) {
        const key = `${action.direction} ${name}`;
        expect(seen.has(key), key).toBe(false);
        seen.add(key);
      }
    }
  });

  it("accepts the unstable MSC4039 media names as well as the stable ones", () => {
    expect(wireNames(MISC_ACTIONS.upload_file)).toEqual(["upload_file", "org.matrix.msc4039.upload_file"]);
    expect(wireNames(MISC_ACTIONS.download_file)).toEqual([
      "download_file",
      "org.matrix.msc4039.download_file",
    ]);
    expect(wireNames(MISC_ACTIONS.get_media_config)).toEqual([
      "get_media_config",
      "org.matrix.msc4039.get_media_config",
    ]);
  });
});

describe("schemas that carry credentials", () => {
  const secret = 987654321;

  it("never quote a malformed OpenID token in their error messages", () => {
    for (const schema of [getOpenIdAction.response, openIdCredentialsAction.request]) {
      const result = v.safeParse(schema, {
        state: "allowed",
        original_request_id: "r",
        access_token: secret,
        expires_in: "x",
        matrix_server_name: secret,
        token_type: secret,
      });
      expect(result.success).toBe(false);
      expect(JSON.stringify(result.issues?.map((issue) => issue.message))).not.toContain(String(secret));
    }
  });

  it("never quote a malformed TURN password in their error messages", () => {
    const result = v.safeParse(updateTurnServersAction.request, {
      uris: [],
      username: "u",
      password: secret,
    });
    expect(result.success).toBe(false);
    expect(result.issues?.[0]?.message).not.toContain(String(secret));
  });
});

describe("shared schemas", () => {
  it.each([
    ["mxc://example.org/abc_DEF-123", true],
    ["mxc://example.org:8448/abc", true],
    ["mxc://[::1]/abc", true],
    ["mxc://example.org/", false],
    ["mxc:///abc", false],
    ["mxc://example.org/a/b", false],
    ["mxc://exa mple.org/abc", false],
    ["https://example.org/abc", false],
    [`mxc://example.org/${"a".repeat(600)}`, false],
  ])("reads %s as an mxc URI: %s", (uri, valid) => {
    expect(isMxcUri(uri)).toBe(valid);
  });

  it("accepts Blobs, ArrayBuffers and views as binary data, turning other views into a Uint8Array", () => {
    const blob = new Blob(["hi"]);
    const buffer = new ArrayBuffer(4);
    expect(v.parse(binarySchema, blob)).toBe(blob);
    expect(v.parse(binarySchema, buffer)).toBe(buffer);
    const view = v.parse(binarySchema, new Int16Array([1, 2, 3]));
    expect(view).toBeInstanceOf(Uint8Array);
    expect((view as Uint8Array).byteLength).toBe(6);
  });

  it.each([["a string"], [{ size: 3 }], [[1, 2, 3]], [null]])("refuses %j as binary data", (value) => {
    expect(v.safeParse(binarySchema, value).success).toBe(false);
  });
});
