import { describeThrown } from "../core/describe.js";
import { dialectOf, ownProperty, type JsonObject, type WireMessage } from "../protocol/envelope.js";
import { WidgetApiError } from "../protocol/errors.js";
import type { FastPath } from "./transport.js";

/**
 * The MessagePort fast path: when both ends are matrix-widget-kit, the widget hands the host a
 * private `MessageChannel` port after the handshake, and the session's messages travel over it,
 * several to a port message. Any other peer never sees any of it. The steps, and why each is
 * there, are in docs/security.md ("The MessagePort fast path") and docs/decisions.md.
 *
 * This string is both the API version our host adds to its `supported_api_versions` reply (what
 * tells our widget the host can take a port; other widgets ignore an unknown version) and the key
 * of the fast path's own control messages, which never reach the session.
 */
export const FAST_PATH_VERSION = "dev.matrix_widget_kit.message_port";

/**
 * The steps of the switch. On the window: `offer` (widget → host, with the port), `switch` (host →
 * widget: the host's last message on the window; it now sends on the port), `decline` (host →
 * widget: the port was not taken), `switched` (widget → host: the widget's last message on the
 * window). On the port: `close` (either way: this end's last message on the port; it speaks on the
 * window from now on, and reads the port until the other end's own `close`, which answers it).
 */
export type FastPathStep = "offer" | "switch" | "decline" | "switched" | "close";

/** A control message of the fast path; `id` names the offer it belongs to. */
export interface FastPathControl {
  readonly [FAST_PATH_VERSION]: FastPathStep;
  readonly id?: string;
}

/** Longest offer ID taken; ours are a dozen characters. */
const MAX_OFFER_ID = 64;

/** The step and offer ID of a control message, or undefined for anything else (a wire message). */
export function controlOf(data: unknown): { step: unknown; id: string | undefined } | undefined {
  if (typeof data !== "object" || data === null || !Object.hasOwn(data, FAST_PATH_VERSION)) return undefined;
  const { [FAST_PATH_VERSION]: step, id } = data as Record<string, unknown>;
  return { step, id: typeof id === "string" && id.length <= MAX_OFFER_ID ? id : undefined };
}

/**
 * Whether a window message is the session's Widget API speech: an object with a string `action`
 * of its own, in either dialect by {@link dialectOf}'s rule, and in the classic one addressed to
 * `widgetId` (the session's, once known; MSC4412 names no widget). Only such a message, arriving
 * after the switch, means the other side may have gone back to the window. Anything else a page
 * posts (another library's messages, a bench's own, a message for another widget, which the
 * session drops anyway) is not the session's and leaves the port alone.
 */
export function speaksToSession(data: unknown, widgetId: string | undefined): boolean {
  if (typeof data !== "object" || data === null) return false;
  const message = data as JsonObject;
  if (typeof ownProperty(message, "action") !== "string") return false;
  const dialect = dialectOf(message);
  if (dialect !== "classic") return dialect !== undefined;
  return widgetId === undefined || ownProperty(message, "widgetId") === widgetId;
}

/** Whether a port message is the other end's `close`: its last message on the port. */
export function isClose(data: unknown): boolean {
  return controlOf(data)?.step === "close";
}

/** Builds a control message. */
export function control(step: FastPathStep, id?: string): FastPathControl {
  return id === undefined ? { [FAST_PATH_VERSION]: step } : { [FAST_PATH_VERSION]: step, id };
}

/**
 * A message is of no use to a session that switched to the port before the first message on the
 * port is handled; the ones that arrive too early are held. A peer that sends more than this
 * before finishing its switch is broken, and the port is given up.
 */
export const MAX_EARLY = 4096;

/**
 * Most messages in one port message. The receiving end hands a batch's requests to its session in
 * one task, where over the window each came in a task of its own and a quick handler had finished
 * before the next arrived; a session's bound on requests in flight (64 on a widget, 128 on a host
 * by default) would refuse the rest of a large burst. A burst goes as batches of this size, each a
 * task of its own at the other end.
 */
export const MAX_BATCH = 32;

/**
 * One end of an adopted port. Messages sent within one task are sent as one port message, an
 * array (at most {@link MAX_BATCH} long), flushed in a microtask; the other end hands each
 * element on by itself, so the session checks it like any single message.
 *
 * Giving the port up takes two steps when the other end may still be using it: {@link end} posts
 * this end's `close` (its last message on the port) but keeps reading, so that what the other end
 * sent before it heard that `close` still arrives; {@link close} stops reading, once the other
 * end's own `close` came (or a load made the port the old document's).
 */
export class PortLink {
  private batch: WireMessage[] = [];
  private scheduled = false;
  /** This end posted its `close`: nothing more is sent. */
  private ended = false;
  private shut = false;

  /**
   * @param receive gets each port message as it came (a batch, or a control message), with this link
   * @param bounce gets a reply made up for a request that could not be sent (see {@link flush})
   */
  constructor(
    private readonly port: MessagePort,
    receive: (data: unknown, link: PortLink) => void,
    private readonly bounce: (message: unknown) => void,
  ) {
    this.onMessage = (event: MessageEvent) => receive(event.data, this);
    port.addEventListener("message", this.onMessage);
    port.start();
    // Node only (tests): an open port would keep the process alive.
    (port as { unref?(): void }).unref?.();
  }

  private readonly onMessage: (event: MessageEvent) => void;

  /** Whether the port is closed: nothing on it is read any more. */
  get closed(): boolean {
    return this.shut;
  }

  send(message: WireMessage): void {
    if (this.ended) return;
    this.batch.push(message);
    if (this.batch.length >= MAX_BATCH) this.flush();
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(this.flush);
  }

  /**
   * Posts what was sent since the last flush. A batch that cannot be cloned is posted one message
   * at a time, so one bad message costs only itself. Over the window such a message throws in
   * `send`, and the session answers or fails it; here the throw comes later, so the link does it:
   * a reply that cannot be cloned goes out as an `internal` error reply, and a request that cannot
   * be is failed at once with a reply made up on this side, as if the peer had sent it.
   */
  readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.takeBatch();
    if (batch.length === 0 || this.ended) return;
    try {
      this.port.postMessage(batch);
      return;
    } catch {
      // Try each message alone, below.
    }
    for (const message of batch) {
      try {
        this.port.postMessage([message]);
      } catch (error) {
        const failure = new WidgetApiError(
          `Could not send ${message.action}: ${describeThrown(error)}`,
          "internal_error",
        ).toResponse();
        if (Object.hasOwn(message, "response")) {
          try {
            this.port.postMessage([
              { ...message, ...("data" in message ? { data: {} } : {}), response: failure },
            ]);
          } catch {
            // Nothing more can be said.
          }
        } else {
          this.bounce({ ...message, response: failure });
        }
      }
    }
  };

  /** Takes the messages not flushed yet, for the window to carry instead. */
  takeBatch(): WireMessage[] {
    const batch = this.batch;
    this.batch = [];
    return batch;
  }

  /** Flushes and posts `close`, this end's last message on the port; the port is still read. */
  end(): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    try {
      this.port.postMessage(control("close"));
    } catch {
      // The port is gone; nothing more can be said on it.
    }
  }

  /** Ends (see {@link end}) if not done yet, stops reading and closes the port. */
  close(): void {
    if (this.shut) return;
    this.end();
    this.shut = true;
    this.port.removeEventListener("message", this.onMessage);
    this.port.close();
  }
}

/** Whether `value` looks like a MessagePort (one was transferred with the offer). */
export function isPort(value: unknown): value is MessagePort {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as MessagePort).postMessage === "function" &&
    typeof (value as MessagePort).addEventListener === "function"
  );
}

/**
 * The host's versions with {@link FAST_PATH_VERSION} added when its transport can take a port and
 * the host lets it (`option` false turns the transport's fast path off). Advertised only then, so
 * a widget is never invited to offer a port the host would refuse.
 */
export function withFastPath(
  versions: string[],
  transport: { readonly fastPath?: FastPath },
  option: boolean | undefined,
): string[] {
  const fastPath = transport.fastPath;
  if (!fastPath) return versions;
  if (option === false) fastPath.enabled = false;
  return fastPath.enabled ? [...versions, FAST_PATH_VERSION] : versions;
}
