import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  NEVER_EXPOSED_ACCOUNT_DATA,
  SENSITIVE_ACCOUNT_DATA,
  classifyAccountDataType,
  containsEncryptedSecret,
  findAccountDataRule,
  type AccountDataClass,
} from "../../../src/matrix/index.js";

const table: [string, AccountDataClass][] = [
  ["m.secret_storage.default_key", "never"],
  ["m.secret_storage.key.abcdef", "never"],
  ["m.secret_storage.anything_else", "never"],
  ["m.cross_signing.master", "never"],
  ["m.cross_signing.self_signing", "never"],
  ["m.cross_signing.user_signing", "never"],
  ["m.megolm_backup.v1", "never"],
  ["m.key_backup", "never"],
  ["org.matrix.msc3814", "never"],
  ["org.matrix.msc3814.dehydrated_device", "never"],
  ["org.matrix.msc2697.dehydrated_device", "never"],
  ["m.dehydrated_device", "never"],
  ["m.direct", "sensitive"],
  ["m.ignored_user_list", "sensitive"],
  ["m.push_rules", "sensitive"],
  ["m.identity_server", "sensitive"],
  ["m.invite_permission_config", "sensitive"],
  ["m.breadcrumbs", "sensitive"],
  ["im.vector.setting.breadcrumbs", "sensitive"],
  ["im.vector.analytics", "sensitive"],
  ["io.element.matrix_client_information.DEVICEID", "sensitive"],
  ["org.matrix.msc3890.local_notification_settings.DEVICEID", "sensitive"],
  ["m.widgets", "sensitive"],
  ["org.matrix.msc4155.invite_permission_config", "sensitive"],
  ["org.matrix.msc4380.invite_permission_config", "sensitive"],
  ["m.invite_permission_config_enforced", "sensitive"],
  ["org.matrix.msc4155.invite_permission_config_enforced", "sensitive"],
  ["im.vector.riot.breadcrumb_rooms", "sensitive"],
  ["im.vector.web.settings", "sensitive"],
  ["m.policies", "sensitive"],
  ["org.matrix.msc3847.policies", "sensitive"],
  ["m.local_notification_settings.DEVICEID", "sensitive"],
  ["m.org.matrix.custom.backup_disabled", "never"],
  ["io.element.recent_emoji", "ordinary"],
  ["m.recent_emoji", "ordinary"],
  ["org.matrix.preview_urls", "ordinary"],
  ["m.image_pack", "ordinary"],
  ["m.image_pack.rooms", "ordinary"],
  ["com.example.widget_settings", "ordinary"],
  ["", "ordinary"],
  ["m.secret_storage", "ordinary"],
  ["m.cross_signing", "ordinary"],
  ["m.megolm_backup.v2", "ordinary"],
  ["m.directory", "ordinary"],
  ["M.DIRECT", "ordinary"],
  ["io.element.matrix_client_information", "ordinary"],
  ["__proto__", "ordinary"],
  ["constructor", "ordinary"],
];

describe("classifyAccountDataType", () => {
  it.each(table)("classifies %j as %s", (type, expected) => {
    expect(classifyAccountDataType(type)).toBe(expected);
  });

  it.each([undefined, null, 1, {}])("fails closed with 'never' for the non-string %j", (v) => {
    expect(classifyAccountDataType(v as unknown as string)).toBe("never");
  });

  it("classifies every listed exact type and every extension of a listed prefix", () => {
    for (const [rules, expected] of [
      [NEVER_EXPOSED_ACCOUNT_DATA, "never"],
      [SENSITIVE_ACCOUNT_DATA, "sensitive"],
    ] as const) {
      for (const rule of rules) {
        expect(classifyAccountDataType(rule.type)).toBe(expected);
        if (rule.match === "prefix") expect(classifyAccountDataType(`${rule.type}x.y`)).toBe(expected);
      }
    }
  });

  it("never throws on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(["never", "sensitive", "ordinary"]).toContain(classifyAccountDataType(s));
      }),
    );
  });
});

describe("findAccountDataRule", () => {
  it("returns the matching rule with its reason, deny list first", () => {
    expect(findAccountDataRule("m.secret_storage.default_key")?.type).toBe("m.secret_storage.default_key");
    expect(findAccountDataRule("m.secret_storage.key.x")).toMatchObject({
      match: "prefix",
      type: "m.secret_storage.",
    });
    expect(findAccountDataRule("m.direct")?.reason).toMatch(/DM/);
    expect(findAccountDataRule("m.image_pack")).toBeUndefined();
  });
});

describe("the account-data lists", () => {
  it("are frozen, entries included", () => {
    for (const rules of [NEVER_EXPOSED_ACCOUNT_DATA, SENSITIVE_ACCOUNT_DATA]) {
      expect(Object.isFrozen(rules)).toBe(true);
      for (const rule of rules) expect(Object.isFrozen(rule)).toBe(true);
    }
  });

  it("give every entry a non-empty type and reason", () => {
    for (const rule of [...NEVER_EXPOSED_ACCOUNT_DATA, ...SENSITIVE_ACCOUNT_DATA]) {
      expect(rule.type.length).toBeGreaterThan(0);
      expect(rule.reason.length).toBeGreaterThan(0);
      expect(["exact", "prefix"]).toContain(rule.match);
    }
  });
});

describe("containsEncryptedSecret", () => {
  it.each([
    [{ encrypted: { key_id: { iv: "x", ciphertext: "y", mac: "z" } } }, "secret-storage shaped content"],
    [{ encrypted: {} }, "an empty encrypted map"],
    [{ encrypted: [] }, "an encrypted array"],
    [{ other: 1, encrypted: { a: 1 } }, "encrypted alongside other keys"],
  ])("is true for %j (%s)", (content, _description) => {
    expect(containsEncryptedSecret(content)).toBe(true);
  });

  it.each([
    [{}, "an empty object"],
    [{ encrypted: null }, "a null encrypted value"],
    [{ encrypted: "yes" }, "a string encrypted value"],
    [{ encrypted: 1 }, "a number encrypted value"],
    [{ nested: { encrypted: {} } }, "a nested encrypted key"],
    [null, "null"],
    [undefined, "undefined"],
    ["encrypted", "a string"],
    [42, "a number"],
  ])("is false for %j (%s)", (content, _description) => {
    expect(containsEncryptedSecret(content)).toBe(false);
  });

  it("ignores an inherited encrypted property", () => {
    const content = Object.create({ encrypted: { a: 1 } }) as object;
    expect(containsEncryptedSecret(content)).toBe(false);
  });

  it("fails closed on an own accessor and on an object that throws when inspected", () => {
    const accessor = Object.defineProperty({}, "encrypted", { get: () => ({}), enumerable: true });
    expect(containsEncryptedSecret(accessor)).toBe(true);
    const hostile = new Proxy(
      {},
      {
        getOwnPropertyDescriptor() {
          throw new Error("boom");
        },
      },
    );
    expect(containsEncryptedSecret(hostile)).toBe(true);
  });

  it("finds the key in a JSON-parsed object, including one with a __proto__ key", () => {
    expect(containsEncryptedSecret(JSON.parse('{"__proto__":{"x":1},"encrypted":{"k":{}}}'))).toBe(true);
    expect(containsEncryptedSecret(JSON.parse('{"__proto__":{"encrypted":{"k":{}}}}'))).toBe(false);
  });

  it("never throws on arbitrary values", () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(typeof containsEncryptedSecret(v)).toBe("boolean");
      }),
    );
  });
});
