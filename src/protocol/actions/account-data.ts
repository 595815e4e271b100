import * as v from "valibot";
import { defineAction } from "../action.js";
import { ApiVersion } from "../versions.js";
import { emptyObject, nonNegativeInteger } from "./schemas.js";
import { plainObjectSchema } from "../envelope.js";

/** Longest account-data type accepted. */
export const MAX_ACCOUNT_DATA_TYPE_LENGTH = 255;
/** Most types one watch request may name. */
export const MAX_WATCHED_TYPES = 64;

const accountDataType = v.pipe(
  v.string("type must be a string"),
  v.minLength(1, "type must not be empty"),
  v.maxLength(MAX_ACCOUNT_DATA_TYPE_LENGTH, "type is too long"),
);

const accountDataEvent = v.object({ type: v.string(), content: plainObjectSchema });

/** The widget reads the user's global account data of an approved type (MSC3751). */
export const readAccountData = defineAction({
  id: "read_account_data",
  direction: "fromWidget",
  stable: "read_account_data",
  unstable: ["org.matrix.msc3751.read_account_data"],
  version: ApiVersion.MSC3751,
  capability: { dynamic: "m.read.account_data:<type> for the exact type requested" },
  request: v.object({
    type: accountDataType,
    // Global account data has no state keys; the field is a leftover of MSC2876 and is ignored.
    state_key: v.nullish(v.union([v.string(), v.literal(true)], "state_key must be a string or true")),
    limit: v.nullish(nonNegativeInteger),
  }),
  response: v.object({ events: v.array(accountDataEvent) }),
});

/** Our extension: the widget asks to be told when approved account-data types change. */
export const watchAccountData = defineAction({
  id: "watch_account_data",
  direction: "fromWidget",
  stable: "dev.matrix_widget_kit.watch_account_data",
  unstable: [],
  version: ApiVersion.AccountDataWatch,
  capability: { dynamic: "m.read.account_data:<type> for every type named" },
  request: v.object({
    types: v.pipe(v.array(accountDataType), v.minLength(1), v.maxLength(MAX_WATCHED_TYPES)),
  }),
  response: emptyObject,
});

/** Our extension: the host pushes a changed account-data value to a watching widget. */
export const accountDataChanged = defineAction({
  id: "account_data_changed",
  direction: "toWidget",
  stable: "dev.matrix_widget_kit.account_data",
  unstable: [],
  version: ApiVersion.AccountDataWatch,
  request: v.object({ events: v.array(accountDataEvent) }),
  response: emptyObject,
});

/** One account-data value as the Widget API carries it. */
export type AccountDataEvent = v.InferOutput<typeof accountDataEvent>;
