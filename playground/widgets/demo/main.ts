import { WidgetApiError, WidgetClient } from "../../../src/widget/index.js";

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const status = (message: string, error = false) => {
  $("status").textContent = message;
  $("status").className = error ? "error" : "";
};
const describe = (error: unknown) =>
  error instanceof WidgetApiError ? `${error.code}: ${error.message}` : String(error);

const client = await WidgetClient.create({
  capabilities: [
    "org.matrix.msc3973.user_directory_search",
    "uk.half-shot.msc3662.mxid_share",
    "org.matrix.msc3751.read.account_data:m.image_pack",
    "org.matrix.msc2931.navigate",
  ],
});
status(`ready; granted: ${client.capabilities.join(", ") || "nothing"}`);

let searchTimer: ReturnType<typeof setTimeout> | undefined;
$("search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const term = ($("search") as HTMLInputElement).value;
    try {
      const { results, limited } = await client.searchUserDirectory(term, { limit: 8 });
      const list = $("results");
      list.replaceChildren();
      for (const user of results) {
        const item = document.createElement("li");
        item.textContent = `${user.display_name ?? user.user_id} (${user.user_id}) `;
        for (const hint of ["invite", "create_room"] as const) {
          const share = document.createElement("button");
          share.type = "button";
          share.textContent = hint === "invite" ? "Invite" : "DM";
          share.addEventListener("click", () =>
            client
              .shareUsers([{ user_id: user.user_id, display_name: user.display_name ?? undefined }], { hint })
              .then(() => status(`shared ${user.user_id}; the client asks the user`))
              .catch((error: unknown) => status(describe(error), true)),
          );
          item.append(share);
        }
        list.append(item);
      }
      status(`${results.length} result(s)${limited ? ", more available" : ""}`);
    } catch (error) {
      status(describe(error), true);
    }
  }, 200);
});

$("read-pack").addEventListener("click", async () => {
  try {
    const pack = await client.readAccountData("m.image_pack");
    const images = (pack?.images ?? {}) as Record<string, { url?: string; body?: string }>;
    $("pack").textContent = pack
      ? `${Object.keys(images).length} image(s): ${Object.keys(images).join(", ")}`
      : "no image pack";
  } catch (error) {
    status(describe(error), true);
  }
});

$("go").addEventListener("click", () =>
  client
    .navigate(($("link") as HTMLInputElement).value)
    .then(() => status("navigated"))
    .catch((error: unknown) => status(describe(error), true)),
);
