import { describe, expect, it } from "vitest";
import { WidgetKitConfigError } from "../../../src/core/config-error.js";
import { exactOrigin } from "../../../src/transport/origin.js";

/** The message of what `run` throws. */
function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WidgetKitConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a throw");
}

describe("exactOrigin's errors", () => {
  it("quote an unparsable input without its query string or fragment", () => {
    const message = messageOf(() => exactOrigin("widget.example/app?roomId=!secret:example.org#token=abc"));
    expect(message).toBe('Not a valid origin or URL: "widget.example/app..."');
  });

  it("quote an opaque origin's URL without its query string or fragment", () => {
    const message = messageOf(() => exactOrigin("data:text/html,hi?access_token=abc"));
    expect(message).toBe('Refusing an opaque origin for "data:text/html,hi..."; give an http(s) origin');
    expect(messageOf(() => exactOrigin("about:blank#@alice:example.org"))).not.toContain("alice");
  });

  it("are configuration errors for a value that is not a string, as a JavaScript caller may pass", () => {
    for (const value of [undefined, null, 42, {}]) {
      expect(messageOf(() => exactOrigin(value as unknown as string))).toMatch(
        /^Not a valid origin or URL: /,
      );
    }
  });

  it("quote an input with neither in full", () => {
    expect(messageOf(() => exactOrigin("localhost"))).toBe('Not a valid origin or URL: "localhost"');
  });

  it("do not arise for a valid URL: its origin comes back whatever its query string or fragment", () => {
    expect(exactOrigin("https://widget.example:8443/app?widgetId=w#x=1")).toBe("https://widget.example:8443");
  });
});
