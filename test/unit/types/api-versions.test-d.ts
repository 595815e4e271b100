// KnownApiVersion is exactly the ApiVersion strings: the widget SDK writes versions as literals of
// it (so a bundle does not carry the ApiVersion object), and a misspelt one must not compile.
import { describe, expectTypeOf, it } from "vitest";
import {
  ApiVersion,
  BASELINE_VERSIONS,
  type ApiVersionValue,
  type KnownApiVersion,
} from "../../../src/protocol/versions.js";
import { requireHostVersion } from "../../../src/widget/features/listeners.js";
import type { WidgetSession } from "../../../src/widget/session.js";

describe("API version types", () => {
  it("KnownApiVersion is the union of the ApiVersion values, and no other string", () => {
    expectTypeOf<KnownApiVersion>().toEqualTypeOf<(typeof ApiVersion)[keyof typeof ApiVersion]>();
    expectTypeOf<"org.matrix.msc2931">().toExtend<KnownApiVersion>();
    expectTypeOf<"org.matrix.msc2931 ">().not.toExtend<KnownApiVersion>();
    expectTypeOf<string>().not.toExtend<KnownApiVersion>();
    // Any string a peer advertises still fits the wider type.
    expectTypeOf<"com.example.v1">().toExtend<ApiVersionValue>();
    expectTypeOf(BASELINE_VERSIONS).toEqualTypeOf<readonly KnownApiVersion[]>();
  });

  it("the widget's version check takes only known versions", () => {
    const check = (client: WidgetSession) => {
      requireHostVersion(client, "org.matrix.msc3973", "user directory search");
      // @ts-expect-error a misspelt version does not compile
      requireHostVersion(client, "org.matrix.msc3937", "user directory search");
    };
    expectTypeOf(check).toBeFunction();
  });
});
