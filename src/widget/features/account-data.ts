// MSC3751 account data (and our watch extension), as free functions so that widgets which never
// read account data do not bundle them.
import type { RequestOptions } from "../../core/endpoint.js";
import {
  accountDataChanged,
  readAccountData as readAccountDataAction,
  watchAccountData as watchAccountDataAction,
} from "../actions.js";
import type { WidgetSession } from "../session.js";
import { addPushListener, requireHostVersion } from "./listeners.js";

/**
 * Reads the user's global account data of an approved type (MSC3751; needs
 * `org.matrix.msc3751.read.account_data:<type>`). Resolves with its content, or `undefined` when
 * the type is unset.
 * @category Account data
 */
export async function readAccountData(
  client: WidgetSession,
  type: string,
  options?: RequestOptions,
): Promise<Record<string, unknown> | undefined> {
  requireHostVersion(client, "org.matrix.msc3751", "reading account data");
  const { events } = await client.request(readAccountDataAction, { type }, options);
  return events.find((event) => event.type === type)?.content;
}

/**
 * Calls `listener` whenever one of the approved account-data types changes (our extension, on
 * top of MSC3751's read capability). Resolves with a function that stops listening, once the host
 * accepted the watch.
 * @category Account data
 */
export async function watchAccountData(
  client: WidgetSession,
  types: readonly string[],
  listener: (type: string, content: Record<string, unknown>) => void,
  options?: RequestOptions,
): Promise<() => void> {
  requireHostVersion(client, "dev.matrix_widget_kit.account_data_watch", "watching account data");
  const wanted = new Set(types);
  await client.request(watchAccountDataAction, { types: [...wanted] }, options);
  return addPushListener(client, accountDataChanged, ({ events }) => {
    for (const event of events) if (wanted.has(event.type)) listener(event.type, event.content);
  });
}
