/**
 * Opt-in support for Element's own widget actions, which Element Call (and other widgets written
 * for Element) speak besides the Matrix Widget API: `io.element.join`, `im.vector.hangup`,
 * `io.element.close` and `io.element.device_mute`, both ways, plus an answer to
 * `set_always_on_screen` for hosts whose driver has no on-screen notion of its own.
 *
 * None of these actions is in an MSC; their shapes follow what Element Web and Element Call 0.26
 * exchange. Element Web answers them without any capability, so this feature does too.
 *
 * ```ts
 * const elementCall = elementCallSupport({ onJoined: () => showCallBar(), onClose: () => removeFrame() });
 * const host = new WidgetHost({ ...options, driver: elementCall.withDriver(driver), actions: elementCall.actions });
 * ```
 * @module
 */
import * as v from "valibot";
import { describeThrown } from "../core/describe.js";
import type { RequestOptions } from "../core/endpoint.js";
import { defineAction } from "../protocol/action.js";
import { plainObjectSchema } from "../protocol/envelope.js";
import type { WidgetDriver } from "./driver.js";
import { hostFor } from "./features/host-directory.js";
import type { AlwaysOnScreenRequest, WidgetUiDriver } from "./features/ui.js";
import type { Awaitable, WidgetIdentity } from "./policy.js";
import { defineHostAction, type HostActionContext, type HostActionRegistration } from "./registry.js";
import type { HostHandle } from "./host-handle.js";
import type { WidgetHost } from "./widget-host.js";

/** Element's action names (Element Web's `ElementWidgetActions`). */
export const ElementCallAction = {
  /** fromWidget: the user joined the call. toWidget: a preloaded Element Call should join now. */
  Join: "io.element.join",
  /** fromWidget: the user hung up. toWidget: Element Call should leave the call. */
  Hangup: "im.vector.hangup",
  /** fromWidget: Element Call asks the client to close it. */
  Close: "io.element.close",
  /** fromWidget: the mute state changed. toWidget: change (or read) the mute state. */
  DeviceMute: "io.element.device_mute",
} as const;

/** Element Call's microphone and camera state (`io.element.device_mute`). */
export interface ElementCallDeviceMute {
  /** Whether the microphone is on; false when muted. */
  audio_enabled: boolean;
  /** Whether the camera is on; false when off. */
  video_enabled: boolean;
}

/** Which devices a preloaded Element Call should join with; null lets it choose. */
export interface ElementCallJoinDevices {
  /** The ID of the microphone to join with (at most 1024 characters), or null. */
  audioInput: string | null;
  /** The ID of the camera to join with (at most 1024 characters), or null. */
  videoInput: string | null;
}

/** What a callback learns about where an Element action came from. */
export interface ElementCallContext {
  /** The widget that sent the action, as its host identifies it. */
  widget: WidgetIdentity;
  /** The host serving the widget, while it is alive. */
  host: HostHandle | undefined;
}

/**
 * What the host application does when Element Call tells it something. Every callback is optional;
 * the defaults say what happens without one. A callback that throws or rejects is logged and the
 * widget still gets its acknowledgement: these are notifications, and Element Call does not act
 * on an error reply to them except by logging it. What a notification callback returns is awaited
 * and otherwise ignored (its type is `unknown`, so a concise arrow returning a value fits).
 */
export interface ElementCallCallbacks {
  /** The user joined the call (Element Call's `io.element.join`). Default: nothing. */
  onJoined?(context: ElementCallContext): unknown;
  /** The user hung up (`im.vector.hangup`). Default: nothing. */
  onHungUp?(context: ElementCallContext): unknown;
  /**
   * Element Call asks to be closed (`io.element.close`), after which it stops talking to the host.
   * Default: nothing, so the frame stays until the app removes it; most apps remove the frame here
   * and destroy its WidgetHost.
   */
  onClose?(context: ElementCallContext): unknown;
  /** The microphone or camera was switched (`io.element.device_mute`). Default: nothing. */
  onDeviceMute?(state: ElementCallDeviceMute, context: ElementCallContext): unknown;
  /**
   * Element Call asks to stay on screen while the user looks elsewhere (`set_always_on_screen`,
   * capability `m.always_on_screen`), or to stop. Resolve with whether the app did it. Used only
   * when the driver has no `setAlwaysOnScreen` of its own. Default: `false`, an honest "not kept
   * on screen" rather than an error, since the app has not said it can keep a widget visible.
   */
  onAlwaysOnScreen?(value: boolean, context: ElementCallContext): Awaitable<boolean>;
}

/** What {@link elementCallSupport} returns: parts to hand to a WidgetHost. */
export interface ElementCallSupport {
  /** The fromWidget handlers of Element's actions; pass them as `WidgetHostOptions.actions`. */
  readonly actions: readonly HostActionRegistration[];
  /**
   * The driver to give the WidgetHost: `driver` itself when it already keeps widgets on screen,
   * otherwise a view of it that answers `set_always_on_screen` through `onAlwaysOnScreen`.
   */
  withDriver<D extends WidgetDriver>(driver: D): D & Pick<Required<WidgetUiDriver>, "setAlwaysOnScreen">;
}

// Element Call sends `{}` with its notifications today; anything else in them is ignored rather
// than refused, as Element Web does.
const notification = plainObjectSchema;
const deviceMuteState = v.object({
  audio_enabled: v.boolean("audio_enabled must be a boolean"),
  video_enabled: v.boolean("video_enabled must be a boolean"),
});
const deviceMuteChange = v.object({
  audio_enabled: v.optional(v.boolean("audio_enabled must be a boolean")),
  video_enabled: v.optional(v.boolean("video_enabled must be a boolean")),
});
const deviceName = v.nullable(v.pipe(v.string("a device ID must be a string"), v.maxLength(1024)));

/** Element Call tells the client the user joined (`io.element.join`, fromWidget). */
export const elementJoinedAction = defineAction({
  id: "io.element.join",
  direction: "fromWidget",
  stable: ElementCallAction.Join,
  unstable: [],
  request: notification,
  response: v.object({}),
});

/** Element Call tells the client the user hung up (`im.vector.hangup`, fromWidget). */
export const elementHungUpAction = defineAction({
  id: "im.vector.hangup",
  direction: "fromWidget",
  stable: ElementCallAction.Hangup,
  unstable: [],
  request: notification,
  response: v.object({}),
});

/** Element Call asks to be closed (`io.element.close`, fromWidget). */
export const elementCloseAction = defineAction({
  id: "io.element.close",
  direction: "fromWidget",
  stable: ElementCallAction.Close,
  unstable: [],
  request: notification,
  response: v.object({}),
});

/** Element Call reports its mute state (`io.element.device_mute`, fromWidget). */
export const elementDeviceMuteChangedAction = defineAction({
  id: "io.element.device_mute",
  direction: "fromWidget",
  stable: ElementCallAction.DeviceMute,
  unstable: [],
  request: deviceMuteState,
  response: v.object({}),
});

/** The client asks a preloaded Element Call to join (`io.element.join`, toWidget). */
export const elementJoinRequestAction = defineAction({
  id: "io.element.join (toWidget)",
  direction: "toWidget",
  stable: ElementCallAction.Join,
  unstable: [],
  request: v.object({ audioInput: deviceName, videoInput: deviceName }),
  response: plainObjectSchema,
});

/** The client asks Element Call to leave the call (`im.vector.hangup`, toWidget). */
export const elementHangupRequestAction = defineAction({
  id: "im.vector.hangup (toWidget)",
  direction: "toWidget",
  stable: ElementCallAction.Hangup,
  unstable: [],
  request: v.object({}),
  response: plainObjectSchema,
});

/** The client changes or reads Element Call's mute state (`io.element.device_mute`, toWidget). */
export const elementDeviceMuteRequestAction = defineAction({
  id: "io.element.device_mute (toWidget)",
  direction: "toWidget",
  stable: ElementCallAction.DeviceMute,
  unstable: [],
  request: deviceMuteChange,
  response: deviceMuteState,
});

/** Runs an app callback; a throw or rejection is logged (never rethrown) and yields `fallback`. */
async function runCallback<T>(
  context: HostActionContext,
  what: string,
  fallback: T,
  callback: (() => Awaitable<T>) | undefined,
): Promise<T> {
  if (!callback) return fallback;
  try {
    return await callback();
  } catch (error) {
    context.logger.warn(`The host app's ${what} callback failed: ${describeThrown(error)}`);
    return fallback;
  }
}

/**
 * Answers Element's own actions for a WidgetHost. Opt-in: a host without it replies
 * `unknown_action` to them, as it does to any action it does not know.
 */
export function elementCallSupport(callbacks: ElementCallCallbacks = {}): ElementCallSupport {
  const about = (context: HostActionContext): ElementCallContext => ({
    widget: context.widget,
    host: hostFor(context.widget),
  });
  const notify = (
    action: typeof elementJoinedAction,
    what: string,
    pick: (c: ElementCallCallbacks) => ((context: ElementCallContext) => unknown) | undefined,
  ) =>
    defineHostAction({
      action,
      async handle(context) {
        const callback = pick(callbacks);
        await runCallback(
          context,
          what,
          undefined,
          callback && (() => callback.call(callbacks, about(context))),
        );
        return {};
      },
    });

  const actions: HostActionRegistration[] = [
    notify(elementJoinedAction, "onJoined", (c) => c.onJoined),
    notify(elementHungUpAction, "onHungUp", (c) => c.onHungUp),
    notify(elementCloseAction, "onClose", (c) => c.onClose),
    defineHostAction({
      action: elementDeviceMuteChangedAction,
      async handle(context, state) {
        const callback = callbacks.onDeviceMute;
        await runCallback(
          context,
          "onDeviceMute",
          undefined,
          callback && (() => callback.call(callbacks, { ...state }, about(context))),
        );
        return {};
      },
    }),
  ];

  const setAlwaysOnScreen = async ({ widget, host, value }: AlwaysOnScreenRequest): Promise<boolean> => {
    const callback = callbacks.onAlwaysOnScreen;
    if (!callback) return false;
    try {
      // Anything but a boolean counts as "not kept on screen", so a sloppy callback cannot make
      // the built-in handler reply with a malformed-driver error.
      return (await callback.call(callbacks, value, { widget, host })) === true;
    } catch (error) {
      host?.logger.warn(`The host app's onAlwaysOnScreen callback failed: ${describeThrown(error)}`);
      return false;
    }
  };

  return {
    actions,
    withDriver<D extends WidgetDriver>(driver: D) {
      const own = (driver as WidgetUiDriver).setAlwaysOnScreen;
      if (typeof own === "function") return driver as D & Pick<Required<WidgetUiDriver>, "setAlwaysOnScreen">;
      // A proxy rather than a copy: class drivers keep their prototype and `this`, and operations
      // the driver gains later (feeds it attaches lazily) stay visible.
      return new Proxy(driver, {
        get(target, property) {
          if (property === "setAlwaysOnScreen") return setAlwaysOnScreen;
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === "function"
            ? (value as (...args: unknown[]) => unknown).bind(target)
            : value;
        },
        has(target, property) {
          return property === "setAlwaysOnScreen" || Reflect.has(target, property);
        },
      }) as D & Pick<Required<WidgetUiDriver>, "setAlwaysOnScreen">;
    },
  };
}

/**
 * Asks a preloaded Element Call (started with `preload=true`) to join its call with the given
 * devices (`io.element.join`, toWidget). Resolves with Element Call's reply once it acted on it.
 */
export function joinElementCall(
  host: WidgetHost,
  devices: ElementCallJoinDevices = { audioInput: null, videoInput: null },
  options?: RequestOptions,
): Promise<Record<string, unknown>> {
  return host.request(elementJoinRequestAction, devices, options);
}

/** Asks Element Call to leave its call (`im.vector.hangup`, toWidget). */
export function hangUpElementCall(
  host: WidgetHost,
  options?: RequestOptions,
): Promise<Record<string, unknown>> {
  return host.request(elementHangupRequestAction, {}, options);
}

/**
 * Switches Element Call's microphone or camera (`io.element.device_mute`, toWidget); a field left
 * out keeps its state, so `{}` reads the state. Resolves with the state Element Call ends up in.
 */
export function setElementCallDeviceMute(
  host: WidgetHost,
  change: Partial<ElementCallDeviceMute>,
  options?: RequestOptions,
): Promise<ElementCallDeviceMute> {
  return host.request(elementDeviceMuteRequestAction, change, options);
}
