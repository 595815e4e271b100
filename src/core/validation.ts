import type {
  AnyWireAction,
  RequestData,
  RequestInput,
  ResponseData,
  WireSchema,
} from "../protocol/action.js";
import { wireNameFor } from "../protocol/action.js";
import { WidgetApiError } from "../protocol/errors.js";
import type { JsonObject } from "../protocol/envelope.js";
import type { RequestOptions } from "./endpoint.js";

/** What {@link callAction} sends through: an endpoint, or the small widget client's own channel. */
export interface RequestSender {
  request(action: string, data: JsonObject, options?: RequestOptions): Promise<JsonObject>;
}

/** A schema issue as valibot and Standard Schema both describe it: a message and where. */
export interface SchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<{ readonly key: unknown }> | undefined;
}

/** Turns the first schema issue into a short sentence naming the field, e.g. `limit: must be an integer`. */
export function describeIssue(issues: readonly SchemaIssue[]): string {
  const issue = issues[0];
  if (!issue) return "the data does not match the schema";
  const path = issue.path?.map((item) => String(item.key)).join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

/**
 * Runs a schema through the Standard Schema interface every valibot schema carries, so that this
 * module does not import valibot: the widget side's own schemas (src/widget/guards.ts) speak the
 * same interface, and a widget bundle then carries no valibot at all. Same result as
 * `v.safeParse` for the synchronous schemas of the action table.
 */
function run(
  schema: WireSchema<unknown, unknown>,
  value: unknown,
): { value?: unknown; issues?: readonly SchemaIssue[] | undefined } {
  return schema["~standard"].validate(value) as { value?: unknown; issues?: readonly SchemaIssue[] };
}

/** Parses a request's data with the action's schema, or throws the error reply for it. */
export function parseRequestData<A extends AnyWireAction>(action: A, data: JsonObject): RequestData<A> {
  const result = run(action.request, data);
  if (result.issues) {
    throw new WidgetApiError(`Invalid request: ${describeIssue(result.issues)}`, "invalid_request");
  }
  return result.value as RequestData<A>;
}

/**
 * Sends an action to the peer under the name the peer advertises, and parses the reply with the
 * action's response schema, so callers only ever see well-formed, typed replies.
 */
export async function callAction<A extends AnyWireAction>(
  endpoint: RequestSender,
  action: A,
  peerVersions: readonly string[] | undefined,
  data: RequestInput<A>,
  options?: RequestOptions,
): Promise<ResponseData<A>> {
  const name = wireNameFor(action, peerVersions);
  const raw = await endpoint.request(name, data as JsonObject, options);
  const result = run(action.response, raw);
  if (result.issues) {
    throw new WidgetApiError(
      `Malformed reply to ${name}: ${describeIssue(result.issues)}`,
      "malformed_response",
    );
  }
  return result.value as ResponseData<A>;
}
