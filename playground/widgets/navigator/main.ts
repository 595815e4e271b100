// A navigator: asks the client to open rooms, events and users (MSC2931), with matrix.to links,
// matrix: URIs and typed targets the SDK turns into links.
import { WidgetClient, formatMatrixUri, type NavigationTarget } from "../../../src/widget/index.js";
import { applyTheme, describeError, followClient, status } from "../shared/status.js";
import { navigate } from "../../../src/widget/index.js";

applyTheme();
const client = await WidgetClient.create({ capabilities: ["org.matrix.msc2931.navigate"] });
followClient(client);
status(
  client.hasCapability("m.navigate") ? "ready" : "no permission to navigate",
  !client.hasCapability("m.navigate"),
);

const links: Array<[string, string | NavigationTarget]> = [
  ["Lobby (matrix.to, alias)", "https://matrix.to/#/%23lobby:example.org"],
  ["Widget Lab (matrix: URI)", "matrix:r/widgets:example.org"],
  [
    "Random (a public room you are not in)",
    { type: "room", room: "#random:example.org", via: ["example.org"] },
  ],
  [
    "Announcements (matrix: URI, join intent)",
    formatMatrixUri({ type: "room", room: "#announcements:example.org", via: [], action: "join" }),
  ],
  ["Alice's profile", { type: "user", userId: "@alice:example.org", via: [] }],
  ["A phishing link (refused)", "https://evil.example/#/!room:example.org"],
  ["A script link (refused)", "javascript:alert(1)"],
];

const list = document.getElementById("links") as HTMLUListElement;
for (const [label, target] of links) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.addEventListener("click", () => void go(target));
  item.append(button);
  list.append(item);
}

document.getElementById("custom")?.addEventListener("submit", (event) => {
  event.preventDefault();
  void go((document.getElementById("uri") as HTMLInputElement).value);
});

async function go(target: string | NavigationTarget): Promise<void> {
  try {
    await navigate(client, target);
    status(`navigated to ${typeof target === "string" ? target : JSON.stringify(target)}`);
  } catch (error) {
    status(describeError(error), true);
  }
}
