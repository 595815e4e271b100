import { describe, expect, it } from "vitest";
import { readWidgetParameters } from "../../../src/widget/parameters.js";

describe("reading the widget's URL parameters", () => {
  it("reads widgetId and the origin of parentUrl from the query string", () => {
    const parameters = readWidgetParameters(
      "https://widget.example/app.html?widgetId=w%231&parentUrl=https%3A%2F%2Fclient.example%2F%23%2Froom&theme=dark",
    );
    expect(parameters.widgetId).toBe("w#1");
    expect(parameters.parentOrigin).toBe("https://client.example");
    expect(parameters.params.get("theme")).toBe("dark");
  });

  it("reads parameters from the fragment too, with the query string winning", () => {
    const parameters = readWidgetParameters(
      "https://widget.example/app.html?widgetId=fromQuery#/route?widgetId=fromFragment&parentUrl=https://client.example",
    );
    expect(parameters.widgetId).toBe("fromQuery");
    expect(parameters.parentOrigin).toBe("https://client.example");
  });

  it("leaves the origin undefined for a parentUrl that is not a URL", () => {
    expect(
      readWidgetParameters("https://widget.example/?parentUrl=not%20a%20url").parentOrigin,
    ).toBeUndefined();
  });

  it("returns nothing for an unparseable widget URL instead of throwing", () => {
    const parameters = readWidgetParameters("::::");
    expect(parameters.widgetId).toBeUndefined();
    expect([...parameters.params]).toEqual([]);
  });
});
