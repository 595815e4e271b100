// The same kind of widget, written with matrix-widget-api (the library Element uses), to show
// that its widgets work in a matrix-widget-kit host without changes.
import { WidgetApi } from "matrix-widget-api";
import { applyTheme, status } from "../shared/status.js";

applyTheme();
const params = new URLSearchParams(location.search);
const api = new WidgetApi(
  params.get("widgetId") ?? "",
  new URL(params.get("parentUrl") ?? location.href).origin,
);
api.requestCapabilities(["org.matrix.msc3973.user_directory_search", "org.matrix.msc2931.navigate"]);
api.on("ready", () => status("ready (matrix-widget-api)"));
api.start();

document.getElementById("search")?.addEventListener("change", async (event) => {
  const term = (event.target as HTMLInputElement).value;
  try {
    const { results } = await api.searchUserDirectory(term, 5);
    const list = document.getElementById("results") as HTMLUListElement;
    list.replaceChildren(
      ...results.map((user) => {
        const item = document.createElement("li");
        item.textContent = `${user.display_name ?? user.user_id} (${user.user_id})`;
        return item;
      }),
    );
    status(`${results.length} result(s)`);
  } catch (error) {
    status(String(error instanceof Error ? error.message : JSON.stringify(error)), true);
  }
});

document.getElementById("lobby")?.addEventListener("click", () =>
  api.navigateTo("https://matrix.to/#/%23lobby:example.org").then(
    () => status("navigated"),
    (error: unknown) => status(String(error instanceof Error ? error.message : JSON.stringify(error)), true),
  ),
);
