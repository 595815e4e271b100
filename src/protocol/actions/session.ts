import * as v from "valibot";
import { defineAction } from "../action.js";
import { ApiVersion } from "../versions.js";
import { capabilityList, emptyObject } from "./schemas.js";

const versionsResponse = v.object({
  supported_versions: v.pipe(v.array(v.pipe(v.string(), v.maxLength(256))), v.maxLength(256)),
});

/** The widget asks which API versions the host supports. */
export const supportedApiVersionsFromWidget = defineAction({
  id: "supported_api_versions (fromWidget)",
  direction: "fromWidget",
  stable: "supported_api_versions",
  unstable: [],
  beforeSession: true,
  // MSC4412 drops it: capabilities are versioned themselves.
  msc4412: { dropped: true },
  request: emptyObject,
  response: versionsResponse,
});

/** The host asks which API versions the widget supports. */
export const supportedApiVersionsToWidget = defineAction({
  id: "supported_api_versions (toWidget)",
  direction: "toWidget",
  stable: "supported_api_versions",
  unstable: [],
  msc4412: { dropped: true },
  request: emptyObject,
  response: versionsResponse,
});

/** The widget says it has loaded, when the host does not wait for the iframe's load event. */
export const contentLoaded = defineAction({
  id: "content_loaded",
  direction: "fromWidget",
  stable: "content_loaded",
  unstable: [],
  beforeSession: true,
  request: emptyObject,
  response: emptyObject,
});

/** The host asks the widget which capabilities it wants. */
export const capabilitiesRequest = defineAction({
  id: "capabilities",
  direction: "toWidget",
  stable: "capabilities",
  unstable: [],
  // In MSC4412 the host never asks: the widget starts negotiation with request_capabilities.
  msc4412: { dropped: true },
  request: emptyObject,
  response: v.object({ capabilities: capabilityList }),
});

/**
 * The lists of a `notify_capabilities`, read by the widget. Not bounded like a widget's request:
 * the widget trusts its host, and a notify it refused would leave `requestCapabilities()` waiting
 * for one that never comes (a host that resends every string ever requested goes past 512).
 */
const notifiedCapabilities = v.array(v.string());

/** The host tells the widget what it requested and what was approved (MSC2871). */
export const notifyCapabilities = defineAction({
  id: "notify_capabilities",
  direction: "toWidget",
  stable: "notify_capabilities",
  unstable: [],
  // The proposal spells it both ways; the name in use is sent (its "Unstable prefix" section).
  msc4412: { aliases: ["notify_capabilites", "notify_capability"] },
  version: ApiVersion.MSC2871,
  request: v.object({ requested: notifiedCapabilities, approved: notifiedCapabilities }),
  response: emptyObject,
});

/** The widget asks for more capabilities during the session (MSC2974). */
export const requestCapabilities = defineAction({
  id: "request_capabilities",
  direction: "fromWidget",
  stable: "request_capabilities",
  unstable: ["org.matrix.msc2974.request_capabilities"],
  // MSC4412: the widget opens its session with it; acknowledged at once, decided later.
  msc4412: {
    aliases: ["request_capabilites", "request_capability"],
    beforeSession: true,
    notifiedBy: "notify_capabilities",
  },
  version: ApiVersion.MSC2974,
  request: v.object({ capabilities: capabilityList }),
  response: emptyObject,
});
