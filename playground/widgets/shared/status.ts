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

/** Applies the theme the host put in the URL (`?theme=dark`). */
export function applyTheme(): void {
  const theme = new URLSearchParams(location.search).get("theme");
  document.body.classList.toggle("dark", theme === "dark");
}

/** Follows the client's theme and language as it pushes them (MSC2873 theme_change / language_change). */
export function followClient(client: WidgetClient): void {
  onThemeChange(client, (theme) => document.body.classList.toggle("dark", theme.name === "dark"));
  onLanguageChange(client, (lang) => {
    document.documentElement.lang = lang;
    document.body.dataset.lang = lang;
  });
}
