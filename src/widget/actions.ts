/**
 * The widget side's copies of the action descriptors it sends and answers most: the session, the
 * four proposals and the MSC2762 event family. Each holds only what a widget session reads of its
 * row in the action table (src/protocol/table.ts): the wire names and version, the MSC4412 shape
 * of the actions the widget answers, and readers from guards.ts instead of valibot's schemas. The
 * identifier, direction, setup flag and the MSC4412 shape of what the widget sends are for the
 * host, and left out of widget bundles. Only the half the widget reads is checked: the response
 * of a fromWidget action, the request of a toWidget one; the other half is what the widget itself
 * writes, which the host checks with the table's schemas.
 *
 * Each copy is exported under the name of the table module's export it copies, and must not drift
 * from it: test/unit/widget/actions.test.ts compares the fields with the row's, and
 * test/unit/widget/guards.property.test.ts compares the readers with the schemas on generated
 * values.
 * @internal
 */
import type { ActionDescriptor, WireAction, WireSchema } from "../protocol/action.js";
import type * as accountData from "../protocol/actions/account-data.js";
import type * as events from "../protocol/actions/events.js";
import type * as mxid from "../protocol/actions/mxid-share.js";
import type * as nav from "../protocol/actions/navigate.js";
import type * as session from "../protocol/actions/session.js";
import type * as directory from "../protocol/actions/user-directory.js";
import {
  type Reader,
  bool,
  empty,
  list,
  nullish,
  num,
  optional,
  plain,
  schema,
  sentOnly,
  shape,
  text,
} from "./guards.js";

/**
 * A copy typed exactly like the table's row `A`, whatever schema objects it carries: its wire
 * names, version and schemas, and its MSC4412 shape where the widget answers the action (the
 * identifier, direction and the MSC4412 shape of what the widget sends are the host's to read).
 */
type Like<A> =
  A extends ActionDescriptor<infer ReqIn, infer ReqOut, infer ResIn, infer ResOut>
    ? WireAction<ReqIn, ReqOut, ResIn, ResOut>
    : never;

/**
 * The half of an action the widget writes and never reads: the host checks it. Typed as whatever
 * each descriptor needs, since it takes anything.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one schema object shared by every unread half
const unchecked: WireSchema<any, any> = /* @__PURE__ */ schema(sentOnly);

// ---- session --------------------------------------------------------------------------------

const versions = /* @__PURE__ */ shape({ supported_versions: /* @__PURE__ */ list(text(256), 256) });
const strings = /* @__PURE__ */ list(text());

export const supportedApiVersionsFromWidget: Like<typeof session.supportedApiVersionsFromWidget> = {
  stable: "supported_api_versions",
  unstable: [],
  request: unchecked,
  response: /* @__PURE__ */ schema(versions),
};

export const supportedApiVersionsToWidget: Like<typeof session.supportedApiVersionsToWidget> = {
  stable: "supported_api_versions",
  unstable: [],
  msc4412: { dropped: true },
  request: /* @__PURE__ */ schema(empty),
  response: unchecked,
};

export const contentLoaded: Like<typeof session.contentLoaded> = {
  stable: "content_loaded",
  unstable: [],
  request: unchecked,
  response: /* @__PURE__ */ schema(empty),
};

export const capabilitiesRequest: Like<typeof session.capabilitiesRequest> = {
  stable: "capabilities",
  unstable: [],
  msc4412: { dropped: true },
  request: /* @__PURE__ */ schema(empty),
  response: unchecked,
};

export const notifyCapabilities: Like<typeof session.notifyCapabilities> = {
  stable: "notify_capabilities",
  unstable: [],
  msc4412: { aliases: ["notify_capabilites", "notify_capability"] },
  version: "org.matrix.msc2871",
  request: /* @__PURE__ */ schema(/* @__PURE__ */ shape({ requested: strings, approved: strings })),
  response: unchecked,
};

export const requestCapabilities: Like<typeof session.requestCapabilities> = {
  stable: "request_capabilities",
  unstable: ["org.matrix.msc2974.request_capabilities"],
  version: "org.matrix.msc2974",
  request: unchecked,
  response: /* @__PURE__ */ schema(empty),
};

// ---- the four proposals ---------------------------------------------------------------------

export const navigate: Like<typeof nav.navigate> = {
  stable: "navigate",
  unstable: ["org.matrix.msc2931.navigate"],
  version: "org.matrix.msc2931",
  request: unchecked,
  response: /* @__PURE__ */ schema(empty),
};

export const userDirectorySearch: Like<typeof directory.userDirectorySearch> = {
  stable: "user_directory_search",
  unstable: ["org.matrix.msc3973.user_directory_search"],
  version: "org.matrix.msc3973",
  request: unchecked,
  response: /* @__PURE__ */ schema(
    /* @__PURE__ */ shape({
      limited: bool,
      results: /* @__PURE__ */ list(
        /* @__PURE__ */ shape(
          { user_id: text() },
          { display_name: /* @__PURE__ */ nullish(text()), avatar_url: /* @__PURE__ */ nullish(text()) },
        ),
      ),
    }),
  ),
};

export const mxidShare: Like<typeof mxid.mxidShare> = {
  stable: "mxid_share",
  unstable: ["uk.half-shot.msc3662.mxid_share", "uk.half-shot.mscXXXX.mxid_share"],
  version: "uk.half-shot.msc3662",
  request: unchecked,
  response: /* @__PURE__ */ schema(empty),
};

const accountDataEvents = /* @__PURE__ */ shape({
  events: /* @__PURE__ */ list(/* @__PURE__ */ shape({ type: text(), content: plain })),
});

export const readAccountData: Like<typeof accountData.readAccountData> = {
  stable: "read_account_data",
  unstable: ["org.matrix.msc3751.read_account_data"],
  version: "org.matrix.msc3751",
  request: unchecked,
  response: /* @__PURE__ */ schema(accountDataEvents),
};

export const watchAccountData: Like<typeof accountData.watchAccountData> = {
  stable: "dev.matrix_widget_kit.watch_account_data",
  unstable: [],
  version: "dev.matrix_widget_kit.account_data_watch",
  request: unchecked,
  response: /* @__PURE__ */ schema(empty),
};

export const accountDataChanged: Like<typeof accountData.accountDataChanged> = {
  stable: "dev.matrix_widget_kit.account_data",
  unstable: [],
  version: "dev.matrix_widget_kit.account_data_watch",
  request: /* @__PURE__ */ schema(accountDataEvents),
  response: unchecked,
};

// ---- MSC2762 events -------------------------------------------------------------------------

/** The bounds of events.ts: event types, state keys, identifiers, delay IDs, pagination tokens. */
const eventType = /* @__PURE__ */ text(255, 1);
const stateKey = /* @__PURE__ */ text(2048);
const identifier = /* @__PURE__ */ text(255);
const delayId = /* @__PURE__ */ text(255, 1);
const token = /* @__PURE__ */ nullish(/* @__PURE__ */ text(2048));

/** An event's shape, with `state_key` required or optional. Unknown fields are kept. */
/* @__NO_SIDE_EFFECTS__ */
function eventShape(stateKeyField: Record<string, Reader>, optionalFields: Record<string, Reader>): Reader {
  return shape(
    {
      type: eventType,
      event_id: identifier,
      room_id: identifier,
      sender: identifier,
      origin_server_ts: num,
      content: plain,
      ...stateKeyField,
    },
    { ...optionalFields, unsigned: optional(plain) },
    true,
  );
}
/** A room event's shape; `state_key` is optional. */
const roomEvent = /* @__PURE__ */ eventShape({}, { state_key: /* @__PURE__ */ optional(stateKey) });
const eventList = /* @__PURE__ */ list(roomEvent, 10_000);

export const sendEventFromWidget: Like<typeof events.sendEventFromWidget> = {
  stable: "send_event",
  unstable: [],
  version: "org.matrix.msc2762",
  request: unchecked,
  response: /* @__PURE__ */ schema(
    /* @__PURE__ */ shape(
      { room_id: identifier },
      { event_id: /* @__PURE__ */ nullish(identifier), delay_id: /* @__PURE__ */ nullish(delayId) },
    ),
  ),
};

export const updateDelayedEvent: Like<typeof events.updateDelayedEvent> = {
  stable: "update_delayed_event",
  unstable: ["org.matrix.msc4157.update_delayed_event"],
  version: "org.matrix.msc4157",
  request: unchecked,
  response: /* @__PURE__ */ schema(empty),
};

export const readEvents: Like<typeof events.readEvents> = {
  stable: "read_events",
  unstable: ["org.matrix.msc2876.read_events"],
  version: "org.matrix.msc2876",
  request: unchecked,
  response: /* @__PURE__ */ schema(/* @__PURE__ */ shape({ events: eventList })),
};

export const readRelations: Like<typeof events.readRelations> = {
  stable: "read_relations",
  unstable: ["org.matrix.msc3869.read_relations"],
  version: "org.matrix.msc3869",
  request: unchecked,
  response: /* @__PURE__ */ schema(
    /* @__PURE__ */ shape({ chunk: eventList }, { next_batch: token, prev_batch: token }),
  ),
};

export const sendEventToWidget: Like<typeof events.sendEventToWidget> = {
  stable: "send_event",
  unstable: [],
  version: "org.matrix.msc2762",
  request: /* @__PURE__ */ schema(roomEvent),
  response: unchecked,
};

export const updateState: Like<typeof events.updateState> = {
  stable: "update_state",
  unstable: [],
  version: "org.matrix.msc2762_update_state",
  request: /* @__PURE__ */ schema(
    /* @__PURE__ */ shape({
      state: /* @__PURE__ */ list(/* @__PURE__ */ eventShape({ state_key: stateKey }, {}), 10_000),
    }),
  ),
  response: unchecked,
};
