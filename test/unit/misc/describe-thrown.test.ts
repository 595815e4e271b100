// describeThrown formats whatever a hook, driver or handler threw, for a log line or an error
// message. It must describe every value and never throw itself.
import { describe, expect, it } from "vitest";
import { describeThrown } from "../../../src/core/describe.js";

const throwingGetter = (key: string, base: object = {}) =>
  Object.defineProperty(base, key, {
    get() {
      throw new Error("getter");
    },
  });

describe("describeThrown", () => {
  it.each<[string, unknown, string]>([
    ["an Error: its message", new Error("disk full"), "disk full"],
    ["a TypeError: its message", new TypeError("bad type"), "bad type"],
    ["a string: itself", "plain words", "plain words"],
    ["undefined", undefined, "undefined was thrown"],
    ["null", null, "null was thrown"],
    ["a number", 42, "42"],
    ["a symbol", Symbol("thrown"), "Symbol(thrown)"],
    ["a bigint", 10n, "10"],
    [
      "an object with a string message: the message",
      { message: "from a plain object" },
      "from a plain object",
    ],
    ["an object without one", { code: 1 }, "a non-Error object was thrown"],
    ["a null-prototype object", Object.create(null), "a non-Error object was thrown"],
    [
      "an Error whose message is not a string: its name",
      Object.assign(new RangeError("x"), { message: 5 }),
      "RangeError",
    ],
  ])("describes %s", (_name, value, expected) => {
    expect(describeThrown(value)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ["an object whose message getter throws", throwingGetter("message")],
    ["an Error whose message getter throws", throwingGetter("message", new Error("x"))],
    [
      "a Proxy whose every trap throws",
      new Proxy(
        {},
        {
          get() {
            throw new Error("get");
          },
          getPrototypeOf() {
            throw new Error("getPrototypeOf");
          },
        },
      ),
    ],
  ])("never throws, and says so, for %s", (_name, value) => {
    expect(describeThrown(value)).toBe("an indescribable value was thrown");
  });
});
