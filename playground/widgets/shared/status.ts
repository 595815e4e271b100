import {
  WidgetApiError,
  onLanguageChange,
  onThemeChange,
  type WidgetClient,
} from "../../../src/widget/index.js";

/** Shows a one-line status, red for errors. */
export function status(message: string, error = false): void {
  const element = document.getElementById("status");
  if (!element) return;
  element.textContent = message;
  element.className = error ? "error" : "";
}

/** A readable line for any error, with the Widget API error code when there is one. */
export function describeError(error: unknown): string {
  return error instanceof WidgetApiError ? `${error.code}: ${error.message}` : String(error);
}

/** Applies the theme and language the host put in the URL (`?theme=dark&lang=de`). */
export function applyTheme(): void {
  const params = new URLSearchParams(location.search);
  document.body.classList.toggle("dark", params.get("theme") === "dark");
  // A language tag, as language_change would set it; anything else (an unfilled template) is ignored.
  const lang = params.get("lang");
  if (lang !== null && /^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$/.test(lang)) {
    document.documentElement.lang = lang;
    document.body.dataset.lang = lang;
  }
}

/** Follows the client's theme and language as it pushes them (MSC2873 theme_change / language_change). */
export function followClient(client: WidgetClient): void {
  onThemeChange(client, (theme) => document.body.classList.toggle("dark", theme.name === "dark"));
  onLanguageChange(client, (lang) => {
    document.documentElement.lang = lang;
    document.body.dataset.lang = lang;
  });
}
