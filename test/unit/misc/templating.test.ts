import { describe, expect, it } from "vitest";
import {
  addWidgetApiParameters,
  isRenderableWidgetUrl,
  templateVariables,
  templateWidgetUrl,
  type WidgetTemplateValues,
} from "../../../src/host/templating.js";
import { readWidgetParameters } from "../../../src/widget/parameters.js";

const BASE: WidgetTemplateValues = {
  widgetId: "widget-1",
  userId: "@alice:example.org",
  roomId: "!room:example.org",
  displayName: "Alice",
  avatarUrl: "https://example.org/_matrix/media/v3/download/example.org/abc",
  clientId: "io.element.web",
  clientTheme: "dark",
  clientLanguage: "zh_Hant",
  deviceId: "ALICEDEVICE",
  baseUrl: "https://matrix.example.org",
};

const fill = (url: string, values: Partial<WidgetTemplateValues> = {}) =>
  templateWidgetUrl(url, { ...BASE, ...values });

describe("templateWidgetUrl", () => {
  it("fills every client variable, URI-encoded", () => {
    const url = fill(
      "https://w.example/?u=$matrix_user_id&r=$matrix_room_id&n=$matrix_display_name&a=$matrix_avatar_url" +
        "&w=$matrix_widget_id&c=$org.matrix.msc2873.client_id&t=$org.matrix.msc2873.client_theme" +
        "&l=$org.matrix.msc2873.client_language&d=$org.matrix.msc3819.matrix_device_id" +
        "&b=$org.matrix.msc4039.matrix_base_url",
    );
    const params = new URL(url).searchParams;
    expect(Object.fromEntries(params)).toEqual({
      u: "@alice:example.org",
      r: "!room:example.org",
      n: "Alice",
      a: BASE.avatarUrl,
      w: "widget-1",
      c: "io.element.web",
      t: "dark",
      l: "zh_Hant",
      d: "ALICEDEVICE",
      b: "https://matrix.example.org",
    });
    expect(url).toContain("u=%40alice%3Aexample.org");
  });

  it("fills both device-ID names, and the stable names of MSC2873 and MSC4039", () => {
    expect(fill("$matrix_device_id|$org.matrix.msc3819.matrix_device_id")).toBe("ALICEDEVICE|ALICEDEVICE");
    expect(fill("$matrix_client_id/$matrix_client_theme/$matrix_client_language/$matrix_base_url")).toBe(
      "io.element.web/dark/zh_Hant/https%3A%2F%2Fmatrix.example.org",
    );
  });

  it("uses empty strings for unknown client values and the user ID as the default display name", () => {
    const url = templateWidgetUrl(
      "r=$matrix_room_id&n=$matrix_display_name&d=$matrix_device_id&t=$matrix_client_theme",
      {
        widgetId: "w",
        userId: "@bob:example.org",
      },
    );
    expect(url).toBe("r=&n=%40bob%3Aexample.org&d=&t=");
  });

  it("fills the widget's data keys, and lets the client's variables override them", () => {
    const url = fill("https://w.example/?conf=$conferenceId&u=$matrix_user_id", {
      data: { conferenceId: "abc 123", matrix_user_id: "@mallory:evil.example" },
    });
    expect(url).toBe("https://w.example/?conf=abc%20123&u=%40alice%3Aexample.org");
  });

  it("encodes &, #, ? and / in values so they cannot add parameters, fragments or path segments", () => {
    const url = fill("https://w.example/p/$name?x=$name#$name", { data: { name: "a&b=c#d?e/f" } });
    expect(url).toBe(
      "https://w.example/p/a%26b%3Dc%23d%3Fe%2Ff?x=a%26b%3Dc%23d%3Fe%2Ff#a%26b%3Dc%23d%3Fe%2Ff",
    );
    expect(new URL(url).searchParams.get("x")).toBe("a&b=c#d?e/f");
  });

  it("encodes unicode values as UTF-8", () => {
    expect(fill("n=$matrix_display_name", { displayName: "Zoë 🐱 日本" })).toBe(
      `n=${encodeURIComponent("Zoë 🐱 日本")}`,
    );
  });

  it("never expands a variable found inside a substituted value", () => {
    expect(fill("x=$a&y=$b", { data: { a: "$b", b: "$matrix_user_id" } })).toBe("x=%24b&y=%24matrix_user_id");
    expect(fill("n=$matrix_display_name", { displayName: "$matrix_user_id" })).toBe("n=%24matrix_user_id");
  });

  it("replaces the longest variable when one name is a prefix of another", () => {
    const data = { matrix: "PREFIX", org: "ORG", matrix_user: "MU", conf: "C", conference: "CONF" };
    expect(
      fill("$matrix_user_id|$matrix_user|$matrix|$org.matrix.msc2873.client_id|$org|$conference|$conf", {
        data,
      }),
    ).toBe("%40alice%3Aexample.org|MU|PREFIX|io.element.web|ORG|CONF|C");
  });

  it("keeps a $ that starts no known variable, including $$", () => {
    expect(fill("price=$5&x=$$matrix_widget_id&y=$unknown&z=$")).toBe("price=$5&x=$widget-1&y=$unknown&z=$");
  });

  it("renders numbers and booleans from data, and ignores objects, arrays, null and empty keys", () => {
    const data = { num: 42, frac: 1.5, yes: true, obj: { a: 1 }, arr: [1], nil: null, "": "empty" };
    expect(fill("$num,$frac,$yes,$obj,$arr,$nil,$", { data })).toBe("42,1.5,true,$obj,$arr,$nil,$");
  });

  it("treats data keys like __proto__ as ordinary variables", () => {
    const data = JSON.parse('{"__proto__": "p", "constructor": "c"}') as Record<string, unknown>;
    expect(fill("$__proto__/$constructor", { data })).toBe("p/c");
    expect(({} as Record<string, unknown>).p).toBeUndefined();
  });

  it("lists every variable unencoded", () => {
    const variables = templateVariables({ ...BASE, data: { x: "a b" } });
    expect(variables.get("x")).toBe("a b");
    expect(variables.get("matrix_widget_id")).toBe("widget-1");
    expect(variables.get("org.matrix.msc3819.matrix_device_id")).toBe("ALICEDEVICE");
  });
});

describe("isRenderableWidgetUrl", () => {
  it.each([
    ["https://w.example/x", true],
    ["http://localhost:8080/", true],
    ["javascript:alert(1)", false],
    ["data:text/html,hi", false],
    ["//w.example/x", false],
    ["not a url", false],
  ])("%s → %s", (url, renderable) => {
    expect(isRenderableWidgetUrl(url)).toBe(renderable);
  });
});

describe("addWidgetApiParameters", () => {
  const PARAMS = { widgetId: "widget 1&2", parentUrl: "https://app.example/#/room/!r:example.org?x=1" };

  it("appends widgetId and parentUrl, encoded, so the widget SDK can read them back", () => {
    const url = addWidgetApiParameters("https://w.example/index.html", PARAMS);
    expect(url).toBe(
      // The parent page's fragment stays behind.
      `https://w.example/index.html?widgetId=${encodeURIComponent(PARAMS.widgetId)}&parentUrl=${encodeURIComponent("https://app.example/")}`,
    );
    const read = readWidgetParameters(url);
    expect(read.widgetId).toBe("widget 1&2");
    expect(read.parentOrigin).toBe("https://app.example");
  });

  it("keeps the existing query byte for byte and the fragment last", () => {
    const templated = "https://w.example/?a=x%20y&b=%24c&flag#/route?q=1";
    expect(addWidgetApiParameters(templated, { widgetId: "w", parentUrl: "https://app.example/" })).toBe(
      "https://w.example/?a=x%20y&b=%24c&flag&widgetId=w&parentUrl=https%3A%2F%2Fapp.example%2F#/route?q=1",
    );
  });

  it("replaces widgetId and parentUrl planted in the template", () => {
    const url = addWidgetApiParameters(
      "https://w.example/?widgetId=evil&parentUrl=https%3A%2F%2Fevil.example&keep=1&widget%49d=evil2",
      { widgetId: "good", parentUrl: "https://app.example/" },
    );
    expect(url).toBe("https://w.example/?keep=1&widgetId=good&parentUrl=https%3A%2F%2Fapp.example%2F");
    expect(new URL(url).searchParams.getAll("widgetId")).toEqual(["good"]);
  });

  it("works after templating, on a URL whose values contain & and #", () => {
    const templated = fill("https://w.example/?name=$matrix_display_name", { displayName: "A&B#C" });
    const url = addWidgetApiParameters(templated, { widgetId: "w", parentUrl: "https://app.example/" });
    const params = new URL(url).searchParams;
    expect(params.get("name")).toBe("A&B#C");
    expect(params.get("widgetId")).toBe("w");
  });
});
