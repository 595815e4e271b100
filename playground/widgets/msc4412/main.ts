// A widget that speaks MSC4412: WidgetClient with `protocol: "msc4412"`. It sends content_loaded,
// opens its session with request_capabilities (acknowledged at once, decided by the consent
// prompt, finished by notify_capabilities), navigates, and asks for more capabilities later.
import { WidgetClient, navigate } from "../../../src/widget/index.js";
import { applyTheme, describeError, followClient, status } from "../shared/status.js";

applyTheme();
const client = await WidgetClient.create({
  capabilities: ["org.matrix.msc2931.navigate"],
  protocol: "msc4412",
});
followClient(client);

const show = (granted: readonly string[]) => {
  (document.getElementById("granted") as HTMLElement).textContent = granted.join(", ") || "none";
};
(document.getElementById("dialect") as HTMLElement).textContent = client.dialect ?? "?";
show(client.capabilities);
client.onCapabilitiesChanged(show);
status(
  client.hasCapability("m.navigate") ? "ready" : "no permission to navigate",
  !client.hasCapability("m.navigate"),
);

document.getElementById("lobby")?.addEventListener("click", () => {
  navigate(client, "https://matrix.to/#/%23lobby:example.org").then(
    () => status("navigated to the lobby"),
    (error: unknown) => status(describeError(error), true),
  );
});

document.getElementById("more")?.addEventListener("click", () => {
  client.requestCapabilities(["org.matrix.msc2762.receive.event:m.room.message"]).then(
    (granted) => status(`now granted: ${granted.length} capabilities`),
    (error: unknown) => status(describeError(error), true),
  );
});
