import { classifyAccountDataType, containsEncryptedSecret } from "../../matrix/account-data.js";
import {
  accountDataChanged,
  readAccountData,
  watchAccountData,
} from "../../protocol/actions/account-data.js";
import { isPlainObject } from "../../protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../../protocol/errors.js";
import { callDriver } from "../call-driver.js";
import { defineHostAction, type HostActionContext } from "../registry.js";

/**
 * The checks every account-data access passes, in order: the exact capability, the never-exposed
 * list, and the policy's opt-in for sensitive types. They run again on every read, not only when
 * the capability was granted, so a policy change or a mistaken grant cannot leak.
 */
function assertReadable(context: HostActionContext, type: string): void {
  if (!context.capabilities.canReadAccountData(type)) {
    throw new WidgetApiError(
      `Missing capability to read account data of type ${type}`,
      ErrorCode.MissingCapability,
    );
  }
  const category = classifyAccountDataType(type);
  if (category === "never") {
    throw new WidgetApiError(`Account data of type ${type} is never shared with widgets`, ErrorCode.Refused);
  }
  if (category === "sensitive" && context.policy.allowSensitiveAccountData?.(type, context.widget) !== true) {
    throw new WidgetApiError(`Account data of type ${type} is sensitive and not allowed`, ErrorCode.Refused);
  }
}

function isReadable(context: HostActionContext, type: string): boolean {
  try {
    assertReadable(context, type);
    return true;
  } catch {
    return false;
  }
}

/** MSC3751: reads the current value of one approved global account-data type. */
export const readAccountDataHandler = defineHostAction({
  action: readAccountData,
  available: (driver) => typeof driver.readAccountData === "function",
  async handle(context, { type, limit }) {
    assertReadable(context, type);
    const max = Math.min(limit ?? context.limits.maxAccountDataLimit, context.limits.maxAccountDataLimit);
    // Global account data holds one value per type, so any limit of 1 or more returns it.
    if (max === 0) return { events: [] };
    const content = await callDriver(context, "reading account data", (driver) =>
      driver.readAccountData?.(type),
    );
    if (content === undefined || content === null) return { events: [] };
    if (!isPlainObject(content)) {
      throw new WidgetApiError("The client returned malformed account data", ErrorCode.Internal);
    }
    if (containsEncryptedSecret(content)) {
      throw new WidgetApiError(`Account data of type ${type} holds encrypted secrets`, ErrorCode.Refused);
    }
    return { events: [{ type, content }] };
  },
});

interface WatchState {
  types: Set<string>;
}
const watchKey = Symbol("account-data-watch");

/** Our extension: pushes changes of approved types to the widget until the session ends. */
export const watchAccountDataHandler = defineHostAction({
  action: watchAccountData,
  available: (driver) =>
    typeof driver.watchAccountData === "function" && typeof driver.readAccountData === "function",
  handle(context, { types }) {
    for (const type of types) assertReadable(context, type);
    const watch = context.driver.watchAccountData;
    if (!watch) throw new WidgetApiError("This client cannot watch account data", ErrorCode.Unsupported);
    const { session } = context;
    let state = session.values.get(watchKey) as WatchState | undefined;
    if (!state) {
      const created: WatchState = { types: new Set() };
      const stop = watch.call(context.driver, (type, content) => {
        if (session.ended || !created.types.has(type)) return;
        if (!isPlainObject(content) || containsEncryptedSecret(content)) return;
        // A push is a read: the same checks run again against the grants of this moment (the
        // context reads them live), so a type granted later by renegotiation is pushed and a
        // withdrawn sensitive opt-in stops it.
        if (!isReadable(context, type)) return;
        context.sendToWidget(accountDataChanged, { events: [{ type, content }] }).catch((error: unknown) => {
          context.logger.warn(`Account data push was not acknowledged: ${(error as Error).message}`);
        });
      });
      session.onEnd(stop);
      // Recorded only once the driver subscribed, so a failed subscription is retried next time.
      state = created;
      session.values.set(watchKey, created);
    }
    for (const type of types) state.types.add(type);
    return {};
  },
});
