import * as v from "valibot";
import { defineAction } from "../action.js";
import { ApiVersion } from "../versions.js";
import { plainObjectSchema, type JsonObject } from "../envelope.js";
import { emptyObject } from "./schemas.js";
import { MAX_LABEL_LENGTH } from "./misc-schemas.js";

/**
 * The API version of modal widgets (MSC2790). Neither matrix-widget-api nor Element advertise it,
 * so the widget side does not require it; our host advertises it when it can open modals.
 */
export const MODAL_API_VERSION = ApiVersion.MSC2790;
/** The button every modal has, explicitly or implied; a modal cannot disable it. */
export const MODAL_CLOSE_BUTTON = "m.close";
/** Longest modal widget URL accepted. */
export const MAX_MODAL_URL_LENGTH = 4096;
/** Most buttons one modal may have; further ones are dropped. */
export const MAX_MODAL_BUTTONS = 16;
/** Most button entries a request may carry, valid or not. */
const MAX_BUTTON_ENTRIES = 64;

const shortText = v.pipe(v.string(), v.maxLength(255));
const labelText = v.pipe(v.string(), v.maxLength(MAX_LABEL_LENGTH));

/** One button of a modal. `kind` is a hint (`m.primary`, `m.secondary`, `m.warning`, `m.danger`, `m.link`). */
export interface ModalButton {
  /**
   * Names the button in `button_clicked` and `set_button_enabled`; `m.close` is the close button.
   * A second button with the same ID is dropped.
   */
  id: string;
  /** The text shown on the button. */
  label: string;
  /** How to style the button; MSC2790 asks clients to show a kind they do not know as `m.secondary`. */
  kind: string;
  /**
   * True to show the button disabled at first; the modal can change that with `set_button_enabled`.
   * Ignored for `m.close`, which is always enabled.
   */
  disabled?: boolean;
}

const buttonSchema = v.object({
  id: v.pipe(shortText, v.minLength(1)),
  label: labelText,
  kind: shortText,
  disabled: v.optional(v.boolean()),
});

/** Keeps the well-formed buttons (MSC2790: clients ignore buttons that do not fit the schema). */
function keepValidButtons(entries: unknown[]): ModalButton[] {
  const buttons: ModalButton[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const parsed = v.safeParse(buttonSchema, entry);
    if (!parsed.success || seen.has(parsed.output.id)) continue;
    seen.add(parsed.output.id);
    const button: ModalButton = {
      id: parsed.output.id,
      label: parsed.output.label,
      kind: parsed.output.kind,
    };
    if (parsed.output.disabled !== undefined) button.disabled = parsed.output.disabled;
    buttons.push(button);
    if (buttons.length === MAX_MODAL_BUTTONS) break;
  }
  return buttons;
}

/** Whether a URL template names an http(s) URL, as widget URLs must (MSC2764). */
function isHttpUrlTemplate(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/**
 * A modal widget definition. Unknown top-level keys are dropped (MSC2790 asks the client to strip
 * them before widget_config); the opener passes its own data in `data`.
 */
const modalDefinitionSchema = v.object({
  type: v.pipe(v.string("type must be a string"), v.minLength(1, "type must not be empty"), v.maxLength(255)),
  url: v.pipe(
    v.string("url must be a string"),
    v.maxLength(MAX_MODAL_URL_LENGTH, "url is too long"),
    v.check(isHttpUrlTemplate, "url must be an http or https URL"),
  ),
  name: v.nullish(
    v.pipe(v.string("name must be a string"), v.maxLength(MAX_LABEL_LENGTH, "name is too long")),
  ),
  data: v.nullish(plainObjectSchema),
  waitForIframeLoad: v.nullish(v.boolean("waitForIframeLoad must be a boolean")),
  buttons: v.nullish(
    v.pipe(
      v.array(v.unknown(), "buttons must be an array"),
      v.maxLength(MAX_BUTTON_ENTRIES, "too many buttons"),
      v.transform(keepValidButtons),
    ),
  ),
});

/** A modal widget definition as the host hands it to the app and to the modal (invalid buttons removed). */
export interface ModalDefinition {
  /** The modal widget's type, e.g. `m.custom`, or an application's own type. */
  type: string;
  /** The modal widget's http(s) URL, as a template whose variables the host fills in before loading it. */
  url: string;
  /** The modal's title, if the opener gave one. */
  name?: string;
  /** The opener's data for the modal: the place for custom values, as unknown top-level keys are dropped. */
  data?: JsonObject;
  /**
   * As in any widget definition: start the session on the frame's load event (true), or once the
   * widget sends `content_loaded` (false).
   */
  waitForIframeLoad?: boolean;
  /**
   * The buttons to show, invalid and repeated ones removed, at most {@link MAX_MODAL_BUTTONS}.
   * Without an `m.close` entry, the client adds a close button of its own.
   */
  buttons: ModalButton[];
}

/** Turns the parsed definition into its clean form: absent and null fields are left out. */
export function cleanModalDefinition(parsed: v.InferOutput<typeof modalDefinitionSchema>): ModalDefinition {
  const definition: ModalDefinition = { type: parsed.type, url: parsed.url, buttons: parsed.buttons ?? [] };
  if (parsed.name !== null && parsed.name !== undefined) definition.name = parsed.name;
  if (parsed.data !== null && parsed.data !== undefined) definition.data = parsed.data;
  if (parsed.waitForIframeLoad !== null && parsed.waitForIframeLoad !== undefined) {
    definition.waitForIframeLoad = parsed.waitForIframeLoad;
  }
  return definition;
}

/**
 * A widget asks the client to open a modal widget (MSC2790). Deployed clients require no
 * capability, so neither does the host by default; its policy may require `m.modals`.
 */
export const openModalAction = defineAction({
  id: "open_modal",
  direction: "fromWidget",
  stable: "open_modal",
  unstable: [],
  version: MODAL_API_VERSION,
  capability: {
    dynamic: "none by default, as in Element; `m.modals` when the host's policy asks for MSC2790's rule",
  },
  request: modalDefinitionSchema,
  response: emptyObject,
});

/** The host gives a modal widget its definition, once its session is established. */
export const widgetConfigAction = defineAction({
  id: "widget_config",
  direction: "toWidget",
  stable: "widget_config",
  unstable: [],
  request: modalDefinitionSchema,
  response: emptyObject,
});

/** The host tells a modal widget the user clicked one of its buttons. */
export const buttonClickedAction = defineAction({
  id: "button_clicked",
  direction: "toWidget",
  stable: "button_clicked",
  unstable: [],
  request: v.object({ id: v.pipe(shortText, v.minLength(1)) }),
  response: emptyObject,
});

/** A modal widget enables or disables one of its buttons. */
export const setButtonEnabledAction = defineAction({
  id: "set_button_enabled",
  direction: "fromWidget",
  stable: "set_button_enabled",
  unstable: [],
  capability: { dynamic: "only a modal widget, for its own buttons" },
  request: v.object({
    button: v.pipe(v.string("button must be a string"), v.minLength(1), v.maxLength(255)),
    enabled: v.boolean("enabled must be a boolean"),
  }),
  response: emptyObject,
});

/** A modal widget closes itself; its data goes to the widget that opened it. */
export const closeModalAction = defineAction({
  id: "close_modal (fromWidget)",
  direction: "fromWidget",
  stable: "close_modal",
  unstable: [],
  capability: { dynamic: "only a modal widget, once" },
  request: plainObjectSchema,
  response: emptyObject,
});

/** The host tells the opener its modal closed: the modal's data, or `{"m.exited": true}`. */
export const modalClosedAction = defineAction({
  id: "close_modal (toWidget)",
  direction: "toWidget",
  stable: "close_modal",
  unstable: [],
  request: plainObjectSchema,
  response: emptyObject,
});

/** What a widget passes to open a modal. Invalid buttons are dropped by the host. */
export type ModalDefinitionInput = Omit<ModalDefinition, "buttons"> & { buttons?: ModalButton[] };
