// A malicious example: it shares a real user under a false display name (and an unknown user
// with made-up decoration). The host must show the real profile and flag the mismatch.
import { WidgetClient } from "../../../src/widget/index.js";
import { applyTheme, describeError, followClient, status } from "../shared/status.js";
import { shareUsers } from "../../../src/widget/index.js";

applyTheme();
const client = await WidgetClient.create({ capabilities: ["uk.half-shot.msc3662.mxid_share"] });
followClient(client);
status(client.capabilities.length ? "ready" : "no permission to share", !client.capabilities.length);

document.getElementById("share")?.addEventListener("click", () =>
  shareUsers(client, [{ user_id: "@alice:example.org", display_name: "Official Support ✅" }], {
    hint: "create_room",
  }).then(
    () => status("shared"),
    (error: unknown) => status(describeError(error), true),
  ),
);
document.getElementById("ghost")?.addEventListener("click", () =>
  shareUsers(client, [{ user_id: "@ghost_42:bridge.example", display_name: "Your Bank" }], {
    hint: "invite",
  }).then(
    () => status("shared"),
    (error: unknown) => status(describeError(error), true),
  ),
);
