import * as v from "valibot";
import { defineAction } from "../action.js";
import { plainObjectSchema } from "../envelope.js";
import { ApiVersion } from "../versions.js";
import { emptyObject } from "./schemas.js";
import { MAX_LABEL_LENGTH, mxcUriSchema, sizeSchema } from "./misc-schemas.js";

/** Longest language tag accepted (BCP 47 allows far less in practice). */
export const MAX_LANGUAGE_TAG_LENGTH = 64;

const mimetype = v.pipe(v.string("mimetype must be a string"), v.maxLength(255, "mimetype is too long"));

const thumbnailInfo = v.object({
  h: v.optional(sizeSchema),
  w: v.optional(sizeSchema),
  mimetype: v.optional(mimetype),
  size: v.optional(sizeSchema),
});

/** The image info of a sticker; unknown keys are dropped, so only these reach the event. */
const stickerInfo = v.object({
  h: v.optional(sizeSchema),
  w: v.optional(sizeSchema),
  mimetype: v.optional(mimetype),
  size: v.optional(sizeSchema),
  thumbnail_url: v.optional(mxcUriSchema),
  thumbnail_info: v.optional(thumbnailInfo),
});

/** The widget sends a sticker into the room the user is viewing (MSC2764, capability `m.sticker`). */
export const sendStickerAction = defineAction({
  id: "m.sticker",
  direction: "fromWidget",
  stable: "m.sticker",
  unstable: [],
  capability: { fixed: "sticker" },
  request: v.object({
    name: v.pipe(v.string("name must be a string"), v.maxLength(MAX_LABEL_LENGTH, "name is too long")),
    description: v.nullish(
      v.pipe(
        v.string("description must be a string"),
        v.maxLength(MAX_LABEL_LENGTH, "description is too long"),
      ),
    ),
    content: v.object({ url: mxcUriSchema, info: v.nullish(stickerInfo) }),
  }),
  response: emptyObject,
});

/**
 * The widget asks to stay on screen when the user leaves its room (capability `m.always_on_screen`).
 * The reply's `success` is optional: Element Web answers a request it carried out with `{}`.
 */
export const setAlwaysOnScreenAction = defineAction({
  id: "set_always_on_screen",
  direction: "fromWidget",
  stable: "set_always_on_screen",
  unstable: [],
  capability: { fixed: "always_on_screen" },
  request: v.object({ value: v.boolean("value must be a boolean") }),
  response: v.object({ success: v.optional(v.boolean("success must be a boolean")) }),
});

/** The host tells the widget its theme changed (MSC2873); the data is the client's own format. */
export const themeChangeAction = defineAction({
  id: "theme_change",
  direction: "toWidget",
  stable: "theme_change",
  unstable: [],
  version: ApiVersion.MSC2873,
  request: plainObjectSchema,
  response: emptyObject,
});

/** The host tells the widget the user's language changed (MSC2873). */
export const languageChangeAction = defineAction({
  id: "language_change",
  direction: "toWidget",
  stable: "language_change",
  unstable: [],
  version: ApiVersion.MSC2873,
  request: v.object({
    lang: v.pipe(
      v.string("lang must be a string"),
      v.regex(/^[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$/, "lang must be a language tag such as fr or zh_Hant"),
      v.maxLength(MAX_LANGUAGE_TAG_LENGTH, "lang is too long"),
    ),
  }),
  response: emptyObject,
});

/** The host tells the widget whether the user can see it (MSC2764). No message means visible. */
export const visibilityAction = defineAction({
  id: "visibility",
  direction: "toWidget",
  stable: "visibility",
  unstable: [],
  request: v.object({ visible: v.boolean("visible must be a boolean") }),
  response: emptyObject,
});

/** The host asks the widget for a screenshot of itself (capability `m.capability.screenshot`). */
export const screenshotAction = defineAction({
  id: "screenshot",
  direction: "toWidget",
  stable: "screenshot",
  unstable: [],
  request: emptyObject,
  response: v.object({
    screenshot: v.custom<Blob>(
      (value) => typeof Blob !== "undefined" && value instanceof Blob,
      "screenshot must be a Blob",
    ),
  }),
});

/** A sticker as the widget describes it. */
export type StickerRequest = v.InferInput<(typeof sendStickerAction)["request"]>;
