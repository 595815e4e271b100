import {
  createContext,
  createElement,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from "react";
import { describeThrown } from "../core/describe.js";
import { SESSION_DESTROYED } from "../core/session-ended.js";
import { WidgetApiError } from "../protocol/errors.js";
import type { JsonObject } from "../protocol/envelope.js";
import { onRoomEvent, onStateUpdate } from "../widget/features/events.js";
import { onLanguageChange, onThemeChange } from "../widget/features/ui.js";
import { WidgetClient, type WidgetClientOptions } from "../widget/widget-client.js";
import { Cell } from "./stores.js";

/**
 * Where the provider's client stands. `connecting` until `WidgetClient.create()` has finished the
 * capability exchange (and always during server rendering), then `ready` with the client, or
 * `error` when it failed (no widget ID, no host origin, or no answer from the host in time) or the
 * app destroyed the provider's client itself (`session_ended`).
 */
export type WidgetClientState =
  | { status: "connecting"; client: undefined; error: undefined }
  | { status: "ready"; client: WidgetClient; error: undefined }
  | { status: "error"; client: undefined; error: Error };

/** Props of {@link WidgetClientProvider}. */
export interface WidgetClientProviderProps {
  /**
   * Passed to `WidgetClient.create()` when the provider mounts. Read once: to connect with other
   * options, mount a new provider (give it another `key`).
   */
  options?: WidgetClientOptions;
  /**
   * The theme {@link useTheme} returns until the host sends a `theme_change`, e.g. built from the
   * widget URL's `$org.matrix.msc2873.client_theme` template variable.
   */
  theme?: JsonObject;
  /**
   * The language {@link useLanguage} returns until the host sends a `language_change`, e.g. from
   * the widget URL's `$org.matrix.msc2873.client_language` template variable.
   */
  language?: string;
  /** The widget's components; they reach the client through the hooks. */
  children?: ReactNode;
}

/** What the provider shares with the hooks. */
export interface ProviderValue {
  /** The client and its status. */
  readonly state: WidgetClientState;
  /** The latest theme, for {@link useTheme}. */
  readonly theme: Cell<JsonObject | undefined>;
  /** The latest language, for {@link useLanguage}. */
  readonly language: Cell<string | undefined>;
}

const ProviderContext = createContext<ProviderValue | undefined>(undefined);

/** The provider's value; throws outside a {@link WidgetClientProvider}, which is a programming error. */
export function useProviderValue(hook: string): ProviderValue {
  const value = useContext(ProviderContext);
  if (!value) throw new Error(`${hook} must be used inside a <WidgetClientProvider>`);
  return value;
}

const CONNECTING: WidgetClientState = { status: "connecting", client: undefined, error: undefined };

/**
 * One client per mounted provider. React StrictMode runs a mount's effect, its cleanup and the
 * effect again in a row; the cleanup therefore only schedules the end, and the second run takes
 * the client back before the timer fires. So a double mount creates one client and negotiates
 * once, where a client per effect run would announce itself twice to the host.
 */
interface Connection {
  /** The provider unmounted for good: a client that arrives now is destroyed at once. */
  ended: boolean;
  /** The client, once create() resolved. */
  client: WidgetClient | undefined;
  /** The pending end, which a StrictMode re-run cancels. */
  endTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Connects the widget to its host once, and gives the components below it the client through
 * {@link useWidgetClient} and the other hooks. The client is created in an effect, never during
 * render, so the provider renders on a server (in the `connecting` state) and nothing touches
 * `window` there. Under StrictMode it still creates one client and negotiates once. Unmounting it
 * destroys the client.
 *
 * It listens for theme, language, room event and state pushes from the start of the session, so
 * a push that comes before any hook is mounted is acknowledged rather than refused; the hooks read
 * what they missed.
 *
 * ```ts
 * createElement(WidgetClientProvider, { options: { capabilities: ["org.matrix.msc2931.navigate"] } }, app)
 * ```
 */
export function WidgetClientProvider(props: WidgetClientProviderProps): ReactNode {
  const [state, setState] = useState<WidgetClientState>(CONNECTING);
  const [theme] = useState(() => new Cell<JsonObject | undefined>(props.theme));
  const [language] = useState(() => new Cell<string | undefined>(props.language));
  const firstOptions = useRef(props.options);
  const connection = useRef<Connection | undefined>(undefined);

  useEffect(() => {
    let current = connection.current;
    if (current && !current.ended) {
      // StrictMode's second run (or any re-run before the end timer): keep the same client.
      clearTimeout(current.endTimer);
      current.endTimer = undefined;
    } else {
      // The first run, or a run after the end (the provider hidden by <Activity> and shown
      // again): a new client. Until it is ready the render shows `connecting` (see below).
      const fresh: Connection = { ended: false, client: undefined, endTimer: undefined };
      connection.current = current = fresh;
      const options = firstOptions.current ?? {};
      WidgetClient.create({
        ...options,
        beforeStart: (client) => {
          // Known from the start, so that an unmount while it connects destroys it at once (its
          // create() then fails with session_ended, which an ended connection ignores).
          fresh.client = client;
          onThemeChange(client, (value) => theme.set(value));
          onLanguageChange(client, (value) => language.set(value));
          // The host pushes current state right after the grant, often before any hook runs.
          onRoomEvent(client, () => {});
          onStateUpdate(client, () => {});
          options.beforeStart?.(client);
        },
      }).then(
        (client) => {
          if (fresh.ended) {
            client.destroy();
            return;
          }
          fresh.client = client;
          setState({ status: "ready", client, error: undefined });
          // Destroyed by the app rather than by this provider's end: the session is over and
          // nothing here connects again, so the components hear it as an error, not `ready`.
          client.signal.addEventListener(
            "abort",
            () => {
              if (fresh.ended) return;
              setState({
                status: "error",
                client: undefined,
                error: new WidgetApiError(SESSION_DESTROYED, "session_ended"),
              });
            },
            { once: true },
          );
        },
        (error: unknown) => {
          if (fresh.ended) return;
          const failure = error instanceof Error ? error : new Error(describeThrown(error));
          setState({ status: "error", client: undefined, error: failure });
        },
      );
    }
    const mine = current;
    return () => {
      mine.endTimer = setTimeout(() => {
        mine.ended = true;
        mine.client?.destroy();
        mine.client = undefined;
      }, 0);
    };
  }, [theme, language]);

  // A client destroyed since this state was set (hidden by <Activity>, its end ran) is over:
  // the render that shows the provider again already says `connecting`, before the effect that
  // connects anew has run.
  const shown = state.client?.signal.aborted === true ? CONNECTING : state;
  const value = useMemo<ProviderValue>(() => ({ state: shown, theme, language }), [shown, theme, language]);
  return createElement(ProviderContext.Provider, { value }, props.children);
}

/**
 * The provider's client and its status: `connecting`, `ready` (with `client`) or `error` (with
 * `error`). Use it to call anything the other hooks do not cover, e.g.
 * `navigate(state.client, link)` or `sendEvent(state.client, …)` once `state.client` is set.
 */
export function useWidgetClient(): WidgetClientState {
  return useProviderValue("useWidgetClient").state;
}
