import type { WidgetIdentity } from "../policy.js";
import type { HostHandle } from "../host-handle.js";
import type { HostFeature } from "./feature.js";

/**
 * Which WidgetHost serves which widget identity. A handler's context carries the identity object
 * of its host (`context.widget === host.widget`), so this lets a handler hand the app the host
 * itself (the opener of a modal, the widget asking to stay on screen) without a core change.
 */
const hosts = new WeakMap<WidgetIdentity, HostHandle>();

/** Records every WidgetHost by its identity while it is attached. */
export const hostDirectoryFeature: HostFeature = {
  attach(host) {
    hosts.set(host.widget, host);
    return () => {
      if (hosts.get(host.widget) === host) hosts.delete(host.widget);
    };
  },
};

/** The WidgetHost serving a widget identity, if it is alive. */
export function hostFor(widget: WidgetIdentity): HostHandle | undefined {
  return hosts.get(widget);
}
