// An emote viewer: reads the user's image packs from global account data (MSC3751), in the
// spec's `m.image_pack` and the legacy `im.ponies.user_emotes`, and follows changes.
import { WidgetClient } from "../../../src/widget/index.js";
import { applyTheme, describeError, followClient, status } from "../shared/status.js";
import { readAccountData, watchAccountData } from "../../../src/widget/index.js";

applyTheme();
const TYPES = ["m.image_pack", "im.ponies.user_emotes"];
const client = await WidgetClient.create({
  capabilities: TYPES.map((type) => `org.matrix.msc3751.read.account_data:${type}`),
});
followClient(client);

type Pack = { pack?: { display_name?: string }; images?: Record<string, { url?: string; body?: string }> };
const packs = new Map<string, Pack | undefined>();

function render(): void {
  const root = document.getElementById("packs") as HTMLElement;
  root.replaceChildren();
  for (const [type, pack] of packs) {
    const heading = document.createElement("h2");
    heading.textContent = `${pack?.pack?.display_name ?? type} (${type})`;
    const grid = document.createElement("div");
    grid.className = "grid";
    grid.dataset.type = type;
    for (const [shortcode, image] of Object.entries(pack?.images ?? {})) {
      const cell = document.createElement("div");
      cell.className = "emote";
      const swatch = document.createElement("div");
      swatch.className = "swatch";
      // mxc:// media needs the client's media API; a colour derived from the URL stands in for it.
      swatch.style.background = `hsl(${[...(image.url ?? shortcode)].reduce((h, c) => h + c.charCodeAt(0), 0) % 360} 60% 70%)`;
      swatch.textContent = shortcode.slice(0, 1).toUpperCase();
      // A stand-in for the image: the shortcode below names the emote for screen readers.
      swatch.setAttribute("aria-hidden", "true");
      const label = document.createElement("code");
      label.textContent = `:${shortcode}:`;
      cell.append(swatch, label);
      grid.append(cell);
    }
    if (!grid.childElementCount) grid.textContent = pack ? "an empty pack" : "not set";
    root.append(heading, grid);
  }
}

for (const type of TYPES) {
  if (!client.hasCapability(`org.matrix.msc3751.read.account_data:${type}`)) continue;
  try {
    packs.set(type, (await readAccountData(client, type)) as Pack | undefined);
  } catch (error) {
    status(describeError(error), true);
  }
}
render();
status(packs.size ? `showing ${packs.size} pack type(s)` : "no permission to read emotes", packs.size === 0);

if (packs.size) {
  await watchAccountData(client, [...packs.keys()], (type, content) => {
    packs.set(type, content as Pack);
    render();
    status(`${type} changed`);
  }).catch((error: unknown) => status(describeError(error), true));
}
