import { parseMatrixLink } from "../../matrix/links.js";
import { navigate } from "../../protocol/actions/navigate.js";
import { ErrorCode, WidgetApiError } from "../../protocol/errors.js";
import { callDriver } from "../call-driver.js";
import { defineHostAction } from "../registry.js";
import { askPolicy, refuseWhileAsking } from "./misc/shared.js";

const DOING = "asking the app whether to navigate";

/**
 * MSC2931 navigate: the link is parsed into a typed target before the driver sees it, so the
 * driver never handles `javascript:`, foreign http(s) links or malformed IDs. Rate-limited per
 * widget, and the policy may still refuse any target: when it has an `allowNavigation` hook, anything
 * but an explicit `true` refuses.
 */
export const navigateHandler = defineHostAction({
  action: navigate,
  available: (driver) => typeof driver.navigate === "function",
  async handle(context, { uri }) {
    const parsed = parseMatrixLink(uri);
    if (!parsed.ok) {
      throw new WidgetApiError(`Invalid navigation link: ${parsed.reason}`, ErrorCode.InvalidRequest);
    }
    const hook = context.policy.allowNavigation;
    if (hook) refuseWhileAsking(context, DOING);
    context.rateLimit("navigate", context.limits.navigate);
    // Without a hook the capability is the whole gate. With one, only an explicit `true` allows:
    // a hook written as `if (await ask()) return true;` resolves undefined when the user declines.
    // A hook that never answers is cut off (askPolicy), so the request is still answered, and its
    // signal tells the hook's prompt to close.
    const allowed = hook
      ? (await askPolicy(context, DOING, (signal) =>
          hook.call(context.policy, parsed.target, context.widget, { signal }),
        )) === true
      : true;
    if (!allowed) {
      throw new WidgetApiError("The client refused to navigate to this link", ErrorCode.Refused);
    }
    await callDriver(context, "navigating", (driver) =>
      driver.navigate?.(parsed.target, { viewedRoomId: context.viewedRoomId }),
    );
    return {};
  },
});
