import { describe, expect, it } from "vitest";
import { renderWidgetUrl, type WidgetRenderContext } from "../../../src/host/templating.js";
import { readWidgetParameters } from "../../../src/widget/parameters.js";

const CONTEXT: WidgetRenderContext = {
  userId: "@alice:example.org",
  roomId: "!room:example.org",
  displayName: "Alice & Bob",
  parentUrl: "https://client.example/#/room/!room:example.org",
};
/** What the widget is given as `parentUrl`: the page's URL without its fragment. */
const PARENT_SENT = "https://client.example/";

describe("renderWidgetUrl", () => {
  it("templates the URL with the client's values and the widget's data, then adds widgetId and parentUrl", () => {
    const url = renderWidgetUrl(
      {
        id: "jitsi one",
        url: "https://w.example/app?conf=$conferenceId&u=$matrix_user_id&n=$matrix_display_name&w=$matrix_widget_id#frag",
        data: { conferenceId: "abc def" },
      },
      CONTEXT,
    );
    expect(url).toBe(
      "https://w.example/app?conf=abc%20def&u=%40alice%3Aexample.org&n=Alice%20%26%20Bob&w=jitsi%20one" +
        "&widgetId=jitsi%20one&parentUrl=https%3A%2F%2Fclient.example%2F#frag",
    );
    const parameters = new URL(url as string).searchParams;
    expect(parameters.get("widgetId")).toBe("jitsi one");
    expect(parameters.get("parentUrl")).toBe(PARENT_SENT);
  });

  it("leaves the host page's fragment (its route, the viewed room, a sign-in token) out of parentUrl, as Element does", () => {
    const url = renderWidgetUrl(
      { id: "w1", url: "https://w.example/" },
      {
        ...CONTEXT,
        parentUrl: "https://client.example/app?v=2#/room/!secret:example.org&access_token=syt_x",
      },
    ) as string;
    expect(url).toBe(
      `https://w.example/?widgetId=w1&parentUrl=${encodeURIComponent("https://client.example/app?v=2")}`,
    );
    expect(url).not.toContain("secret");
    expect(url).not.toContain("syt_x");
  });

  it("gives a URL from which the widget SDK reads its widget ID and the host's origin", () => {
    const url = renderWidgetUrl({ id: "w1", url: "https://w.example/" }, CONTEXT) as string;
    const parameters = readWidgetParameters(url);
    expect(parameters.widgetId).toBe("w1");
    expect(parameters.parentOrigin).toBe("https://client.example");
  });

  it("lets the client's variables win over data keys of the same name", () => {
    const url = renderWidgetUrl(
      {
        id: "w1",
        url: "https://w.example/?u=$matrix_user_id",
        data: { matrix_user_id: "@mallory:evil.example" },
      },
      CONTEXT,
    );
    expect(new URL(url as string).searchParams.get("u")).toBe("@alice:example.org");
  });

  it("replaces widgetId and parentUrl the definition planted in its own query", () => {
    const url = renderWidgetUrl(
      { id: "w1", url: "https://w.example/?widgetId=fake&parentUrl=https%3A%2F%2Fevil.example&x=1" },
      CONTEXT,
    ) as string;
    const parameters = new URL(url).searchParams;
    expect(parameters.getAll("widgetId")).toEqual(["w1"]);
    expect(parameters.getAll("parentUrl")).toEqual([PARENT_SENT]);
    expect(parameters.get("x")).toBe("1");
  });

  it("refuses a URL that is not http or https, before or after templating", () => {
    expect(renderWidgetUrl({ id: "w1", url: "javascript:alert(1)" }, CONTEXT)).toBeUndefined();
    expect(
      renderWidgetUrl({ id: "w1", url: "$target", data: { target: "javascript:alert(1)" } }, CONTEXT),
    ).toBeUndefined();
    expect(renderWidgetUrl({ id: "w1", url: "/relative/path" }, CONTEXT)).toBeUndefined();
    expect(renderWidgetUrl({ id: "w1", url: "" }, CONTEXT)).toBeUndefined();
  });

  it("refuses a definition whose URL is not a string, as state content from another client may be", () => {
    const fromState = JSON.parse('{"id":"w1","url":42}') as { id: string; url: string };
    expect(renderWidgetUrl(fromState, CONTEXT)).toBeUndefined();
  });
});
