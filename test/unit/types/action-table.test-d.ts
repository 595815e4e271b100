import { describe, expectTypeOf, it } from "vitest";
import type { RequestData, RequestInput, ResponseData } from "../../../src/protocol/action.js";
import type { ActionTable } from "../../../src/protocol/table.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import {
  LiteWidgetClient,
  navigate,
  readAccountData,
  searchUserDirectory,
  shareUsers,
  watchAccountData,
  type WidgetSession,
} from "../../../src/widget/index.js";
import type { NavigationTarget } from "../../../src/matrix/links.js";

type Search = ActionTable["user_directory_search"];
type Read = ActionTable["read_account_data"];
type Share = ActionTable["mxid_share"];

describe("typed action table", () => {
  it("types user_directory_search requests and replies from its schemas", () => {
    expectTypeOf<RequestInput<Search>>().toMatchTypeOf<{ search_term: string; limit?: number | null }>();
    expectTypeOf<RequestData<Search>["search_term"]>().toEqualTypeOf<string>();
    expectTypeOf<ResponseData<Search>["limited"]>().toEqualTypeOf<boolean>();
    expectTypeOf<ResponseData<Search>["results"][number]["user_id"]>().toEqualTypeOf<string>();
    // @ts-expect-error search_term must be a string
    const bad: RequestInput<Search> = { search_term: 42 };
    void bad;
  });

  it("types read_account_data with a required type and an events reply", () => {
    expectTypeOf<RequestData<Read>["type"]>().toEqualTypeOf<string>();
    expectTypeOf<ResponseData<Read>["events"][number]["content"]>().toMatchTypeOf<Record<string, unknown>>();
    // @ts-expect-error type is required
    const bad: RequestInput<Read> = { limit: 1 };
    void bad;
  });

  it("types mxid_share users as objects with a user_id", () => {
    expectTypeOf<RequestInput<Share>["users"][number]["user_id"]>().toEqualTypeOf<string>();
  });

  it("types the widget's free functions for the four proposals, each taking either client first", () => {
    expectTypeOf(navigate).parameter(0).toEqualTypeOf<WidgetSession>();
    expectTypeOf<WidgetClient>().toMatchTypeOf<WidgetSession>();
    expectTypeOf<LiteWidgetClient>().toMatchTypeOf<WidgetSession>();
    expectTypeOf(searchUserDirectory).parameter(0).toEqualTypeOf<WidgetSession>();
    expectTypeOf(navigate).parameter(1).toEqualTypeOf<string | NavigationTarget>();
    expectTypeOf(searchUserDirectory).returns.resolves.toEqualTypeOf<ResponseData<Search>>();
    expectTypeOf(readAccountData).returns.resolves.toEqualTypeOf<Record<string, unknown> | undefined>();
    expectTypeOf(shareUsers).returns.resolves.toEqualTypeOf<void>();
    expectTypeOf(watchAccountData).returns.resolves.toEqualTypeOf<() => void>();
  });

  it("keeps the proposals off WidgetClient, so a session-only bundle does not carry them", () => {
    expectTypeOf<WidgetClient>().not.toHaveProperty("navigate");
    expectTypeOf<WidgetClient>().not.toHaveProperty("searchUserDirectory");
    expectTypeOf<WidgetClient>().not.toHaveProperty("shareUsers");
    expectTypeOf<WidgetClient>().not.toHaveProperty("readAccountData");
    expectTypeOf<WidgetClient>().not.toHaveProperty("watchAccountData");
  });

  it("types a custom action's request and reply through client.request", () => {
    type Request = WidgetClient["request"];
    expectTypeOf<Request>().toBeFunction();
  });
});
