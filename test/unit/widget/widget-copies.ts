// Pairs each of the widget's own action copies (src/widget/actions.ts) with its row in the action
// table. A copy carries no identifier of its own, so the pairing is by export name: each copy is
// exported under the name of the table module's export it copies.
import type { AnyActionDescriptor, AnyWireAction } from "../../../src/protocol/action.js";
import * as accountData from "../../../src/protocol/actions/account-data.js";
import * as events from "../../../src/protocol/actions/events.js";
import * as mxid from "../../../src/protocol/actions/mxid-share.js";
import * as nav from "../../../src/protocol/actions/navigate.js";
import * as session from "../../../src/protocol/actions/session.js";
import * as directory from "../../../src/protocol/actions/user-directory.js";
import * as widgetActions from "../../../src/widget/actions.js";

export interface WidgetCopy {
  /** The export's name, in both modules. */
  readonly name: string;
  readonly copy: AnyWireAction;
  /** The table's row, or undefined when no table module exports that name. */
  readonly row: AnyActionDescriptor | undefined;
}

const TABLE_MODULES = [session, nav, directory, mxid, accountData, events] as readonly Record<
  string,
  unknown
>[];

function rowNamed(name: string): AnyActionDescriptor | undefined {
  for (const module of TABLE_MODULES) {
    if (Object.prototype.hasOwnProperty.call(module, name)) return module[name] as AnyActionDescriptor;
  }
  return undefined;
}

/** Every copy the widget exports, with its row. */
export const WIDGET_COPIES: readonly WidgetCopy[] = Object.entries(
  widgetActions as Record<string, AnyWireAction>,
).map(([name, copy]) => ({ name, copy, row: rowNamed(name) }));
