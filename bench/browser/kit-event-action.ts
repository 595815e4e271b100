// The host→widget action our toolkit's event-feed figure uses. The toolkit has no MSC2762 event
// delivery yet, so the feed is a custom toWidget action whose request schema checks the fields of
// a room event, answered by a widget handler.
import * as v from "valibot";
import { defineAction } from "../../src/protocol/action.js";

export const benchEventAction = defineAction({
  id: "bench.event",
  direction: "toWidget",
  stable: "dev.bench.event",
  unstable: [],
  request: v.looseObject({
    type: v.string(),
    event_id: v.string(),
    room_id: v.string(),
    sender: v.string(),
    origin_server_ts: v.number(),
    content: v.record(v.string(), v.unknown()),
  }),
  response: v.object({}),
  summary: "Pushes one room event to the widget (benchmark).",
});
