import { describe, expect, it } from "vitest";
import { supportedApiVersionsToWidget } from "../../../src/protocol/actions/session.js";
import { WIDGET_SUPPORTED_VERSIONS } from "../../../src/widget/session-common.js";
import { CLIENT_KINDS, connect, settle, WIDGET_ID } from "../../support/memory-session.js";

describe.each(CLIENT_KINDS)("an app's handler for one of the session's own actions (%s)", (kind) => {
  it("answers in place of the session's handler, and removing it gives the session's handler back", async () => {
    const { pair, host, client } = await connect({ client: kind });
    let asked = 0;
    /** Sends the host's versions request and resolves with the versions the widget answered. */
    const askVersions = async (): Promise<unknown> => {
      const requestId = `versions-${++asked}`;
      pair.host.send({
        api: "toWidget",
        widgetId: WIDGET_ID,
        requestId,
        action: "supported_api_versions",
        data: {},
      });
      await settle(5);
      const reply = pair.widget.sent.find((message) => message.requestId === requestId);
      return (reply as { response?: { supported_versions?: unknown } } | undefined)?.response
        ?.supported_versions;
    };
    const remove = client.handle(supportedApiVersionsToWidget, () => ({
      supported_versions: ["com.example.v"],
    }));
    expect(await askVersions()).toEqual(["com.example.v"]);
    remove();
    expect(await askVersions()).toEqual([...WIDGET_SUPPORTED_VERSIONS]);
    // Removing twice, or after the session's handler is back, changes nothing.
    remove();
    expect(await askVersions()).toEqual([...WIDGET_SUPPORTED_VERSIONS]);
    client.destroy();
    host.destroy();
  });
});
