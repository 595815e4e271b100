import * as v from "valibot";
import type { RequestOptions } from "../../core/endpoint.js";
import { describeIssue } from "../../core/validation.js";
import type { AnyActionDescriptor, RequestInput } from "../../protocol/action.js";
import {
  languageChangeAction,
  screenshotAction,
  themeChangeAction,
  visibilityAction,
} from "../../protocol/actions/ui.js";
import type { JsonObject } from "../../protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../../protocol/errors.js";
import { ApiVersion } from "../../protocol/versions.js";
import type { HostHandle } from "../host-handle.js";

// Types the driver sees live beside the driver interface; re-exported here for older imports.
export type { AlwaysOnScreenRequest, WidgetUiDriver } from "../driver.js";

/** Options of {@link takeScreenshot}. */
export interface ScreenshotOptions extends RequestOptions {
  /** Largest screenshot accepted, in bytes. Default 10 MiB. */
  maxBytes?: number;
}

/** Default largest screenshot, in bytes. */
export const DEFAULT_MAX_SCREENSHOT_BYTES = 10 * 1024 * 1024;

/**
 * Sends the client's theme to the widget (`theme_change`, MSC2873). Before the session is ready
 * (the frame still loading, the capability exchange under way, or a reload), the theme waits for
 * it, so a change made while the widget loads is not lost; of several themes given meanwhile only
 * the newest is sent, and the older calls resolve false. Resolves with true once the widget
 * acknowledged it, or false when it was not sent: superseded, the host destroyed first, or the
 * widget does not advertise `org.matrix.msc2873`. The theme format is the client's own.
 */
export async function updateTheme(
  host: HostHandle,
  theme: JsonObject,
  options?: RequestOptions,
): Promise<boolean> {
  checkOutgoing(themeChangeAction, theme);
  if (!(await sessionReady(host, themeChangeAction.stable))) return false;
  if (!host.widgetVersions.includes(ApiVersion.MSC2873)) return false;
  await host.request(themeChangeAction, theme, options);
  return true;
}

/**
 * Sends the user's language to the widget (`language_change`, MSC2873): a BCP 47 tag, underscores
 * allowed. Waits for the session and resolves like {@link updateTheme}.
 */
export async function updateLanguage(
  host: HostHandle,
  lang: string,
  options?: RequestOptions,
): Promise<boolean> {
  checkOutgoing(languageChangeAction, { lang });
  if (!(await sessionReady(host, languageChangeAction.stable))) return false;
  if (!host.widgetVersions.includes(ApiVersion.MSC2873)) return false;
  await host.request(languageChangeAction, { lang }, options);
  return true;
}

/** Per host and action, how to give up the value waiting for the session (a newer one came). */
const waitingForSession = new WeakMap<HostHandle, Map<string, () => void>>();

/**
 * Resolves true once the host's session is ready (at once when it is), false when the host is
 * destroyed first or a newer value for the same `action` starts waiting.
 */
function sessionReady(host: HostHandle, action: string): Promise<boolean> {
  if (host.state === "ready") return Promise.resolve(true);
  if (host.state === "destroyed") return Promise.resolve(false);
  let waiting = waitingForSession.get(host);
  if (!waiting) waitingForSession.set(host, (waiting = new Map()));
  waiting.get(action)?.();
  const byAction = waiting;
  return new Promise<boolean>((resolve) => {
    let settled = false;
    const finish = (ready: boolean) => {
      if (settled) return;
      settled = true;
      stopReady();
      stopEnded();
      if (byAction.get(action) === supersede) byAction.delete(action);
      resolve(ready);
    };
    const supersede = () => finish(false);
    const stopReady = host.on("ready", () => finish(true));
    // A reload ends a session and another follows, so only destroy() ends the wait.
    const stopEnded = host.on("destroyed", () => finish(false));
    byAction.set(action, supersede);
  });
}

/** What the widget was last told about its visibility, per host, for the current session. */
const visibilityByHost = new WeakMap<HostHandle, { visible: boolean }>();

/**
 * Tells the widget whether the user can see it (`visibility`). Only changes are sent: a widget
 * that was told nothing assumes it is visible (MSC2764), so the first call with `true` sends
 * nothing. Resolves with whether a message was sent and acknowledged; false when unchanged or
 * when the session is not ready. `visible` is also copied to the envelope's top level for
 * Scalar-era widgets.
 */
export async function setWidgetVisibility(
  host: HostHandle,
  visible: boolean,
  options?: RequestOptions,
): Promise<boolean> {
  checkOutgoing(visibilityAction, { visible });
  if (host.state !== "ready") return false;
  let known = visibilityByHost.get(host);
  if (!known) {
    const created = { visible: true };
    known = created;
    visibilityByHost.set(host, created);
    // A new document starts visible again.
    host.on("sessionEnded", () => {
      created.visible = true;
    });
  }
  if (known.visible === visible) return false;
  known.visible = visible;
  // `envelopeExtras` is read by the endpoint once the proposed change lands (see the report).
  const requestOptions: RequestOptions & { envelopeExtras?: JsonObject } = {
    ...options,
    envelopeExtras: { visible },
  };
  try {
    await host.request(visibilityAction, { visible }, requestOptions);
  } catch (error) {
    // Not told: the next call tries again.
    known.visible = !visible;
    throw error;
  }
  return true;
}

/**
 * Asks the widget for a screenshot of itself (`screenshot`). Only a widget holding the screenshot
 * capability is asked; anything else rejects without a message being sent. Rejects when the
 * reply is not a Blob or is larger than `maxBytes`.
 */
export async function takeScreenshot(host: HostHandle, options: ScreenshotOptions = {}): Promise<Blob> {
  if (host.state !== "ready") {
    throw new WidgetApiError("The widget session is not ready", ErrorCode.OutOfSequence);
  }
  if (!host.capabilities.hasFixed("screenshot")) {
    throw new WidgetApiError(
      "The widget does not hold the screenshot capability",
      ErrorCode.MissingCapability,
    );
  }
  const { maxBytes = DEFAULT_MAX_SCREENSHOT_BYTES, ...requestOptions } = options;
  const { screenshot } = await host.request(screenshotAction, {}, requestOptions);
  if (screenshot.size > maxBytes) {
    throw new WidgetApiError(`The screenshot is larger than ${maxBytes} bytes`, ErrorCode.TooLarge);
  }
  return screenshot;
}

/** Checks data the host application is about to send, so its mistakes fail here, not in the widget. */
function checkOutgoing<A extends AnyActionDescriptor>(action: A, data: RequestInput<A>): void {
  const result = v.safeParse(action.request, data);
  if (!result.success) {
    throw new WidgetApiError(
      `Invalid ${action.stable}: ${describeIssue(result.issues)}`,
      ErrorCode.InvalidRequest,
    );
  }
}
