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

/** The interface every host-ui element has once created: its dialog, in the shadow root. */
export interface HostUiElement extends HTMLElement {
  /** The `<dialog>` in the shadow root. */
  readonly dialog: HTMLDialogElement;
}

/** How {@link HostUiBaseClass.runDialog} opens a dialog. */
export interface DialogRun<T> {
  /** Recorded on the dialog as `data-kind`. */
  kind: string;
  /** `alertdialog` for a question that interrupts, `dialog` for a form. */
  role: "dialog" | "alertdialog";
  /** The answer on Escape and when any of `signals` aborts. */
  cancelAnswer: T;
  /** The theme option of the `show…` call. */
  theme: HostUiTheme | undefined;
  /** Abort signals that close the dialog with `cancelAnswer` (undefined entries are skipped). */
  signals: ReadonlyArray<AbortSignal | undefined>;
}

/**
 * Fills the emptied dialog; calls `finish` from its buttons with the user's answer, and returns the
 * control to focus first (default: the first focusable one).
 */
export type DialogBuilder<T> = (
  dialog: HTMLDialogElement,
  finish: (answer: T) => void,
) => HTMLElement | undefined;

/** A base class for the dialogs; created on first use (see the module comment). */
export type HostUiBaseClass = abstract new () => HostUiElement & {
  /**
   * One opening of the dialog, the same for every kind: themed, built by `build`, shown modally,
   * answered exactly once (a button, Escape or an abort signal), then closed and removed. While
   * one is open, another on the same element rejects with an `InvalidStateError` DOMException.
   */
  runDialog<T>(run: DialogRun<T>, build: DialogBuilder<T>): Promise<T>;
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
    /** What had the focus when the dialog opened, to give it back on close. */
    #opener: HTMLElement | undefined;
    /** Stops keeping the focus in the open dialog (see runDialog). */
    #releaseFocus: (() => void) | undefined;
    /** Set while this opening's dialog is shown; the `close` event of an earlier opening is ignored. */
    #shown = false;

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
      // Closed by anything but its own buttons (the page calling `dialog.close()`): the cancel
      // answer, so the promise still settles. Its own finish clears the answer before closing.
      // The event comes a task later: one left over from an answered opening must not cancel the
      // next question on this element, waiting in line or already open.
      this.dialog.addEventListener("close", () => {
        if (this.#shown && !this.dialog.open) this.#cancel();
      });
    }

    /**
     * Taken out of the page while open (a framework unmounting its container, a room switch): the
     * cancel answer, so the promise still settles. Its own finish clears the answer before removing.
     */
    disconnectedCallback(): void {
      this.#cancel();
    }

    runDialog<T>(run: DialogRun<T>, build: DialogBuilder<T>): Promise<T> {
      // One question per element at a time. Taking the dialog over would change what the user is
      // reading under their hand (they could answer the new question meaning the old one) and
      // answer the first caller with a cancel the user never chose; so the second is refused
      // before anything changes, and the first still gets the user's own answer.
      if (this.#onCancel !== undefined) {
        return Promise.reject(
          new DOMException(
            `<${this.localName}> is already asking a question; wait for its answer, or use a new element (each show… call makes one)`,
            "InvalidStateError",
          ),
        );
      }
      applyTheme(this, run.theme);
      const signals = run.signals.filter((s): s is AbortSignal => s !== undefined);
      return new Promise<T>((resolve, reject) => {
        const finish = (answer: T) => {
          for (const signal of signals) signal.removeEventListener("abort", onAbort);
          this.closeDialog();
          resolve(answer);
        };
        const onAbort = () => finish(run.cancelAnswer);
        // Already aborted: answer without ever showing the dialog.
        if (signals.some((s) => s.aborted)) {
          this.remove();
          resolve(run.cancelAnswer);
          return;
        }
        // Set while the question waits its turn too: an abort, Escape on nothing, or the element
        // taken out of the page answers it with the cancel answer and takes it out of the line.
        this.#onCancel = onAbort;
        for (const signal of signals) signal.addEventListener("abort", onAbort, { once: true });
        const open = () => {
          this.dialog.dataset.kind = run.kind;
          this.dialog.setAttribute("role", run.role);
          this.dialog.setAttribute("aria-modal", "true");
          this.dialog.replaceChildren();
          let first: HTMLElement | undefined;
          try {
            first = build(this.dialog, finish);
            this.#opener = focusedElement();
            this.dialog.showModal();
            this.#shown = true;
          } catch (error) {
            // A hook of the app's that built part of the dialog threw, or the element is not in a
            // document (reused after its answer removed it): nothing may stay open or listening,
            // or the element would refuse every later question as busy, and the line would stall.
            for (const signal of signals) signal.removeEventListener("abort", onAbort);
            this.closeDialog();
            reject(error);
            return;
          }
          (first ?? this.#focusables()[0])?.focus();
          this.#holdFocus(first);
        };
        takeTurn(this, open);
      });
    }

    closeDialog(): void {
      this.#onCancel = undefined;
      this.#shown = false;
      const held = holder === this;
      const opener = this.#opener;
      this.#opener = undefined;
      this.#releaseFocus?.();
      this.#releaseFocus = undefined;
      if (this.dialog.open) this.dialog.close();
      this.remove();
      // The browser gives the focus back to what had it before showModal(), but not to a frame: a
      // dialog a widget asked for (the focus was in its iframe) left the focus on <body>, and a
      // keyboard user had to Tab back from the top of the page. Only a lost focus is given back.
      const now = document.activeElement;
      if (opener?.isConnected && (now === null || now === document.body)) opener.focus();
      // The next question in line opens once this one is answered and the focus is back.
      if (held) giveUpTurn(this);
      else leaveLine(this);
    }

    /**
     * A modal dialog makes the page behind it inert, but not the documents of frames in it: a
     * widget's frame could still take the keyboard focus, with its own focus() call or when the
     * browser's note of the click that opened the dialog lands after the dialog focused its first
     * control. Then Escape, Tab and Enter went to the widget behind the question. The focus is
     * taken back to the dialog whenever it leaves this document for a frame while the dialog is
     * open (a switch to another window or tab leaves the frame unfocused and is not undone).
     */
    #holdFocus(first: HTMLElement | undefined): void {
      let last = first;
      // The control the user was on, to come back to rather than to the first one.
      const onFocusIn = () => {
        const inside = this.shadowRoot?.activeElement;
        if (inside instanceof HTMLElement) last = inside;
      };
      const onBlur = () => {
        setTimeout(() => {
          if (!this.dialog.open || !(document.activeElement instanceof HTMLIFrameElement)) return;
          const target = last?.isConnected ? last : this.#focusables()[0];
          target?.focus();
        });
      };
      this.dialog.addEventListener("focusin", onFocusIn);
      window.addEventListener("blur", onBlur);
      this.#releaseFocus = () => {
        this.dialog.removeEventListener("focusin", onFocusIn);
        window.removeEventListener("blur", onBlur);
      };
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

/**
 * One question at a time in the page. Two widgets (or a widget and the app) asking at once used to
 * stack their dialogs: the newer covered the older and took the focus from under the user's hand,
 * so they could answer the covered widget's question meaning the other's. A dialog now opens only
 * when none is open, in the order the questions came; a question waiting its turn is already in
 * the page (hidden: its `<dialog>` is not open) and answers with its cancel answer if it is
 * aborted or taken out of the page while it waits.
 */
let holder: HTMLElement | undefined;
const line: Array<{ owner: HTMLElement; open: () => void }> = [];

/** Opens at once when no dialog is open, else when those before it have closed. */
function takeTurn(owner: HTMLElement, open: () => void): void {
  if (holder === undefined) {
    holder = owner;
    open();
  } else {
    line.push({ owner, open });
  }
}

/** The open dialog closed: the next in line opens. */
function giveUpTurn(owner: HTMLElement): void {
  if (holder !== owner) return;
  holder = undefined;
  while (holder === undefined && line.length > 0) {
    const next = line.shift()!;
    holder = next.owner;
    next.open();
  }
}

/** A question answered (aborted, removed) before its turn leaves the line. */
function leaveLine(owner: HTMLElement): void {
  const index = line.findIndex((entry) => entry.owner === owner);
  if (index >= 0) line.splice(index, 1);
}

/** The focused element, looking into open shadow roots; undefined when nothing has the focus. */
function focusedElement(): HTMLElement | undefined {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active instanceof HTMLElement && active !== document.body ? active : undefined;
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

/** A `type="button"` button with a test ID, calling `onClick` when pressed. */
export function button(
  className: string | undefined,
  text: string | undefined,
  testId: string,
  onClick: () => void,
): HTMLButtonElement {
  const element = el("button", className, text);
  element.type = "button";
  element.dataset.testid = testId;
  element.addEventListener("click", onClick);
  return element;
}

/** Defines `tag` as `elementClass` in `registry` unless something is defined there already. */
export function defineOnce(
  registry: CustomElementRegistry,
  tag: string,
  elementClass: CustomElementConstructor,
): void {
  if (registry.get(tag) === undefined) registry.define(tag, elementClass);
}

/** Creates a (defined) `tag` element and attaches it to the option's container, else the body. */
export function mount<E extends HTMLElement>(tag: string, options: HostUiOptions): E {
  const element = document.createElement(tag) as E;
  (options.container ?? document.body).appendChild(element);
  return element;
}
