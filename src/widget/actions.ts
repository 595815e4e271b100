/**
 * The widget side's copies of the action descriptors it sends and answers most: the session, the
 * four proposals and the MSC2762 event family. Each has the names, version and MSC4412 shape of
 * its row in the action table (src/protocol/table.ts), and checks what the host sends with the
 * readers of guards.ts instead of valibot. Only the half the widget reads is checked: the
 * response of a fromWidget action, the request of a toWidget one; the other half is what the
 * widget itself writes, which the host checks with the table's schemas.
 *
 * They must not drift from the table: test/unit/widget/actions.test.ts compares every field but
 * the schemas with the table's row, and test/unit/widget/guards.property.test.ts compares the
 * schemas on generated values.
 * @internal
 */
import type { ActionDescriptor, WireSchema } from "../protocol/action.js";
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

/** A descriptor typed exactly like the table's row `A`, whatever schema objects it carries. */
type Like<A> =
  A extends ActionDescriptor<infer ReqIn, infer ReqOut, infer ResIn, infer ResOut>
    ? ActionDescriptor<ReqIn, ReqOut, ResIn, ResOut>
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
  id: "supported_api_versions (fromWidget)",
  direction: "fromWidget",
  stable: "supported_api_versions",
  unstable: [],
  beforeSession: true,
  msc4412: { dropped: true },
  request: unchecked,
  response: /* @__PURE__ */ schema(versions),
};

export const supportedApiVersionsToWidget: Like<typeof session.supportedApiVersionsToWidget> = {
  id: "supported_api_versions (toWidget)",
  direction: "toWidget",
  stable: "supported_api_versions",
  unstable: [],
  msc4412: { dropped: true },
  request: /* @__PURE__ */ schema(empty),
  response: unchecked,
};

export const contentLoaded: Like<typeof session.contentLoaded> = {
  id: "content_loaded",
  direction: "fromWidget",
  stable: "content_loaded",
  unstable: [],
  beforeSession: true,
  request: unchecked,
  response: /* @__PURE__ */ schema(empty),
};

export const capabilitiesRequest: Like<typeof session.capabilitiesRequest> = {
  id: "capabilities",
  direction: "toWidget",
  stable: "capabilities",
  unstable: [],
  msc4412: { dropped: true },
  request: /* @__PURE__ */ schema(empty),
  response: unchecked,
};

export const notifyCapabilities: Like<typeof session.notifyCapabilities> = {
  id: "notify_capabilities",
  direction: "toWidget",
  stable: "notify_capabilities",
  unstable: [],
  msc4412: { aliases: ["notify_capabilites", "notify_capability"] },
  version: "org.matrix.msc2871",
  request: /* @__PURE__ */ schema(/* @__PURE__ */ shape({ requested: strings, approved: strings })),
  response: unchecked,
};

export const requestCapabilities: Like<typeof session.requestCapabilities> = {
  id: "request_capabilities",
  direction: "fromWidget",
  stable: "request_capabilities",
  unstable: ["org.matrix.msc2974.request_capabilities"],
  msc4412: {
    aliases: ["request_capabilites", "request_capability"],
    beforeSession: true,
    notifiedBy: "notify_capabilities",
  },
  version: "org.matrix.msc2974",
  request: unchecked,
  response: /* @__PURE__ */ schema(empty),
};

// ---- the four proposals ---------------------------------------------------------------------

export const navigate: Like<typeof nav.navigate> = {
  id: "navigate",
  direction: "fromWidget",
  stable: "navigate",
  unstable: ["org.matrix.msc2931.navigate"],
  version: "org.matrix.msc2931",
  request: unchecked,
  response: /* @__PURE__ */ schema(empty),
};

export const userDirectorySearch: Like<typeof directory.userDirectorySearch> = {
  id: "user_directory_search",
  direction: "fromWidget",
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
  id: "mxid_share",
  direction: "fromWidget",
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
  id: "read_account_data",
  direction: "fromWidget",
  stable: "read_account_data",
  unstable: ["org.matrix.msc3751.read_account_data"],
  version: "org.matrix.msc3751",
  request: unchecked,
  response: /* @__PURE__ */ schema(accountDataEvents),
};

export const watchAccountData: Like<typeof accountData.watchAccountData> = {
  id: "watch_account_data",
  direction: "fromWidget",
  stable: "dev.matrix_widget_kit.watch_account_data",
  unstable: [],
  version: "dev.matrix_widget_kit.account_data_watch",
  request: unchecked,
  response: /* @__PURE__ */ schema(empty),
};

export const accountDataChanged: Like<typeof accountData.accountDataChanged> = {
  id: "account_data_changed",
  direction: "toWidget",
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

/** A room event's shape; a state event requires `state_key`. Unknown fields are kept. */
/* @__NO_SIDE_EFFECTS__ */
function eventShape(state: boolean): Reader {
  const fields: Record<string, Reader> = {
    type: eventType,
    event_id: identifier,
    room_id: identifier,
    sender: identifier,
    origin_server_ts: num,
    content: plain,
  };
  const unsigned = optional(plain);
  return state
    ? shape({ ...fields, state_key: stateKey }, { unsigned }, true)
    : shape(fields, { state_key: optional(stateKey), unsigned }, true);
}
const roomEvent = /* @__PURE__ */ eventShape(false);
const eventList = /* @__PURE__ */ list(roomEvent, 10_000);

export const sendEventFromWidget: Like<typeof events.sendEventFromWidget> = {
  id: "send_event (fromWidget)",
  direction: "fromWidget",
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
  id: "update_delayed_event",
  direction: "fromWidget",
  stable: "update_delayed_event",
  unstable: ["org.matrix.msc4157.update_delayed_event"],
  version: "org.matrix.msc4157",
  request: unchecked,
  response: /* @__PURE__ */ schema(empty),
};

export const readEvents: Like<typeof events.readEvents> = {
  id: "read_events",
  direction: "fromWidget",
  stable: "read_events",
  unstable: ["org.matrix.msc2876.read_events"],
  version: "org.matrix.msc2876",
  request: unchecked,
  response: /* @__PURE__ */ schema(/* @__PURE__ */ shape({ events: eventList })),
};

export const readRelations: Like<typeof events.readRelations> = {
  id: "read_relations",
  direction: "fromWidget",
  stable: "read_relations",
  unstable: ["org.matrix.msc3869.read_relations"],
  version: "org.matrix.msc3869",
  request: unchecked,
  response: /* @__PURE__ */ schema(
    /* @__PURE__ */ shape({ chunk: eventList }, { next_batch: token, prev_batch: token }),
  ),
};

export const sendEventToWidget: Like<typeof events.sendEventToWidget> = {
  id: "send_event (toWidget)",
  direction: "toWidget",
  stable: "send_event",
  unstable: [],
  version: "org.matrix.msc2762",
  request: /* @__PURE__ */ schema(roomEvent),
  response: unchecked,
};

export const updateState: Like<typeof events.updateState> = {
  id: "update_state",
  direction: "toWidget",
  stable: "update_state",
  unstable: [],
  version: "org.matrix.msc2762_update_state",
  request: /* @__PURE__ */ schema(
    /* @__PURE__ */ shape({ state: /* @__PURE__ */ list(/* @__PURE__ */ eventShape(true), 10_000) }),
  ),
  response: unchecked,
};
