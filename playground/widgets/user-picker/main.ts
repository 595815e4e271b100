// A user picker: search the homeserver's user directory (MSC3973), then hand the chosen user to
// the client with an invite or DM hint (MSC3662). The client shows the real profile and asks.
import { WidgetClient } from "../../../src/widget/index.js";
import { applyTheme, describeError, followClient, status } from "../shared/status.js";
import { searchUserDirectory, shareUsers } from "../../../src/widget/index.js";

applyTheme();
const client = await WidgetClient.create({
  capabilities: ["org.matrix.msc3973.user_directory_search", "uk.half-shot.msc3662.mxid_share"],
});
followClient(client);
status(client.capabilities.length ? "ready" : "no permissions granted");

const input = document.getElementById("search") as HTMLInputElement;
const list = document.getElementById("results") as HTMLUListElement;
let timer: ReturnType<typeof setTimeout> | undefined;

input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => void search(input.value), 150);
});

async function search(term: string): Promise<void> {
  try {
    const { results, limited } = await searchUserDirectory(client, term, { limit: 10 });
    list.replaceChildren(
      ...results.map((user) => {
        const item = document.createElement("li");
        item.dataset.userId = user.user_id;
        item.textContent = `${user.display_name ?? user.user_id} — ${user.user_id}`;
        for (const [label, hint] of [
          ["Invite", "invite"],
          ["Message", "create_room"],
        ] as const) {
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = label;
          button.addEventListener(
            "click",
            () => void share(user.user_id, user.display_name ?? undefined, hint),
          );
          item.append(button);
        }
        return item;
      }),
    );
    status(`${results.length} result(s)${limited ? " (more available)" : ""}`);
  } catch (error) {
    status(describeError(error), true);
  }
}

async function share(userId: string, displayName: string | undefined, hint: "invite" | "create_room") {
  try {
    await shareUsers(client, [{ user_id: userId, ...(displayName ? { display_name: displayName } : {}) }], {
      hint,
    });
    status(`shared ${userId}: your client asks you to confirm`);
  } catch (error) {
    status(describeError(error), true);
  }
}
