import * as v from "valibot";
import type { AnyActionDescriptor, RequestData, RequestInput, ResponseData } from "../protocol/action.js";
import { wireNameFor } from "../protocol/action.js";
import { ErrorCode, WidgetApiError } from "../protocol/errors.js";
import type { JsonObject } from "../protocol/envelope.js";
import type { Endpoint, RequestOptions } from "./endpoint.js";

/** Turns the first schema issue into a short sentence naming the field, e.g. `limit: must be an integer`. */
export function describeIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  if (!issue) return "the data does not match the schema";
  const path = issue.path?.map((item) => String(item.key)).join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Parses a request's data with the action's schema, or throws the error reply for it. */
export function parseRequestData<A extends AnyActionDescriptor>(action: A, data: JsonObject): RequestData<A> {
  const result = v.safeParse(action.request, data);
  if (!result.success) {
    throw new WidgetApiError(`Invalid request: ${describeIssue(result.issues)}`, ErrorCode.InvalidRequest);
  }
  return result.output as RequestData<A>;
}

/**
 * Sends an action to the peer under the name the peer advertises, and parses the reply with the
 * action's response schema, so callers only ever see well-formed, typed replies.
 */
export async function callAction<A extends AnyActionDescriptor>(
  endpoint: Endpoint,
  action: A,
  peerVersions: readonly string[] | undefined,
  data: RequestInput<A>,
  options?: RequestOptions,
): Promise<ResponseData<A>> {
  const name = wireNameFor(action, peerVersions);
  const raw = await endpoint.request(name, data as JsonObject, options);
  const result = v.safeParse(action.response, raw);
  if (!result.success) {
    throw new WidgetApiError(
      `Malformed reply to ${name}: ${describeIssue(result.issues)}`,
      ErrorCode.MalformedResponse,
    );
  }
  return result.output as ResponseData<A>;
}
