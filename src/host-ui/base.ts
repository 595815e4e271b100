/**
 * What the three host-ui dialogs share: a shadow root with the themed style sheet, a modal `<dialog>`
 * that keeps keyboard focus inside itself, Escape as "cancel", and one answer per opening.
 *
 * Nothing here touches the DOM until a function is called, so importing host-ui in Node or during
 * server rendering is safe; the element classes are created on first use, because `HTMLElement` does
 * not exist there.
 *
 * @module
 */

import { visibleText } from "../core/visible-text.js";
import { HOST_UI_CSS } from "./styles.js";

/** The theme of a dialog: `auto` (the default) follows `prefers-color-scheme`. */
export type HostUiTheme = "light" | "dark" | "auto";

/** Options every `show…` function accepts. */
export interface HostUiOptions {
  /** BCP 47 tag of the language to use; `de` and `en` are built in. Default: the document's `lang`, else `en`. */
  locale?: string;
  /** Light, dark, or `auto` (follow the user's system preference). Default `auto`. */
  theme?: HostUiTheme;
  /** Where the element is attached while it is open. Default `document.body`. */
  container?: Node;
  /** Closes the dialog with its cancel answer when aborted. */
  signal?: AbortSignal;
  /** A name for the widget to show instead of its ID, e.g. the name from its state event. */
  widgetName?: string;
}

/** Elements of a dialog's body that can take keyboard focus, in tab order. */
const FOCUSABLE =
  'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), a[href], [tabindex]:not([tabindex="-1"])';

/** The interface every host-ui element has once created (see {@link hostUiBase}). */
export interface HostUiElement extends HTMLElement {
  /** The `<dialog>` in the shadow root. */
  readonly dialog: HTMLDialogElement;
}

/** A base class for the dialogs; created on first use (see the module comment). */
export type HostUiBaseClass = abstract new () => HostUiElement & {
  /** Opens the dialog modally; `cancel` is called on Escape; returns the dialog for building. */
  openDialog(kind: string, role: "dialog" | "alertdialog", onCancel: () => void): HTMLDialogElement;
  /** Shows the built dialog modally and focuses `first` (or the first focusable control). */
  showBuilt(first?: HTMLElement): void;
  /** Closes the dialog and removes the element from the page. */
  closeDialog(): void;
};

let base: HostUiBaseClass | undefined;

/** The shared base class, created the first time an element is defined. */
export function hostUiBase(): HostUiBaseClass {
  if (base !== undefined) return base;
  abstract class HostUiBase extends HTMLElement implements HostUiElement {
    readonly dialog: HTMLDialogElement;
    #onCancel: (() => void) | undefined;

    constructor() {
      super();
      const root = this.attachShadow({ mode: "open" });
      const style = document.createElement("style");
      style.textContent = HOST_UI_CSS;
      this.dialog = document.createElement("dialog");
      this.dialog.setAttribute("part", "dialog");
      root.append(style, this.dialog);
      // Escape fires `cancel` on a modal dialog; the answer is the dialog's cancel answer, once.
      this.dialog.addEventListener("cancel", (event) => {
        event.preventDefault();
        this.#cancel();
      });
      this.dialog.addEventListener("keydown", (event) => this.#onKey(event));
    }

    openDialog(kind: string, role: "dialog" | "alertdialog", onCancel: () => void): HTMLDialogElement {
      this.#onCancel = onCancel;
      this.dialog.dataset.kind = kind;
      this.dialog.setAttribute("role", role);
      this.dialog.setAttribute("aria-modal", "true");
      return this.dialog;
    }

    /** Shows the built dialog and focuses `first` (or the first focusable control). */
    showBuilt(first?: HTMLElement): void {
      this.dialog.showModal();
      (first ?? this.#focusables()[0])?.focus();
    }

    closeDialog(): void {
      this.#onCancel = undefined;
      if (this.dialog.open) this.dialog.close();
      this.remove();
    }

    #cancel(): void {
      const cancel = this.#onCancel;
      this.#onCancel = undefined;
      cancel?.();
    }

    #focusables(): HTMLElement[] {
      return [...this.dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((e) => !e.hidden);
    }

    /** Keeps Tab and Shift+Tab inside the dialog, wrapping at either end; Escape cancels. */
    #onKey(event: KeyboardEvent): void {
      if (event.key === "Escape") {
        event.preventDefault();
        this.#cancel();
        return;
      }
      if (event.key !== "Tab") return;
      const items = this.#focusables();
      const first = items[0];
      const last = items[items.length - 1];
      if (first === undefined || last === undefined) {
        event.preventDefault();
        return;
      }
      const active = this.shadowRoot?.activeElement ?? null;
      const inside = active !== null && items.includes(active as HTMLElement);
      if (event.shiftKey && (active === first || !inside)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (active === last || !inside)) {
        event.preventDefault();
        first.focus();
      }
    }
  }
  base = HostUiBase as unknown as HostUiBaseClass;
  return base;
}

/** Creates an element with optional class and text; text is always set as text, never as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className !== undefined) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * Untrusted text (names, IDs, hints) for display: invisible and bidi control characters escaped,
 * cut with an ellipsis, inside a `<bdi>` so right-to-left text cannot reorder the sentence around it.
 * The full escaped text stays in `title`, so a cut name can still be read on hover.
 */
export function untrusted(text: string, maxLength = 64, className?: string): HTMLElement {
  const bdi = el("bdi", className, visibleText(text, { maxLength }));
  const full = visibleText(text, { maxLength: 2048 });
  if (full !== bdi.textContent) bdi.title = full;
  return bdi;
}

/**
 * Builds the nodes of a message whose `{placeholders}` are nodes or plain text; literal text is never
 * parsed as HTML.
 */
export function fillNodes(template: string, values: Readonly<Record<string, Node | string>>): Node[] {
  const nodes: Node[] = [];
  let last = 0;
  for (const match of template.matchAll(/\{([a-zA-Z]+)\}/g)) {
    const name = match[1] as string;
    if (!Object.hasOwn(values, name)) continue;
    nodes.push(document.createTextNode(template.slice(last, match.index)));
    const value = values[name] as Node | string;
    nodes.push(typeof value === "string" ? document.createTextNode(value) : value);
    last = match.index + match[0].length;
  }
  nodes.push(document.createTextNode(template.slice(last)));
  return nodes;
}

/** Sets the theme attribute from an option (`auto` removes it so `prefers-color-scheme` decides). */
export function applyTheme(element: HTMLElement, theme: HostUiTheme | undefined): void {
  if (theme === "light" || theme === "dark") element.setAttribute("theme", theme);
  else element.removeAttribute("theme");
}

/** The locale to use: the option, else the document's `lang`, else `en`. */
export function pickLocale(option: string | undefined): string {
  if (option !== undefined && option !== "") return option;
  const lang = typeof document === "undefined" ? "" : document.documentElement.lang;
  return lang === "" ? "en" : lang;
}

/** Gives a dialog a labelled-by heading and described-by text, with IDs unique in its shadow root. */
export function label(dialog: HTMLDialogElement, heading: HTMLElement, description: HTMLElement): void {
  heading.id = "mwk-heading";
  description.id = "mwk-description";
  dialog.setAttribute("aria-labelledby", heading.id);
  dialog.setAttribute("aria-describedby", description.id);
}
