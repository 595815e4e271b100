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
import type { Endpoint, RequestOptions } from "./endpoint.js";

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
 * Runs a schema through `~run`, the entry point every valibot schema has (valibot's own `safeParse`
 * and its Standard Schema `validate` both call it), so that this module does not import valibot:
 * the widget side's own schemas (src/widget/guards.ts) carry only that entry, and a widget bundle
 * then carries no valibot at all. Same result as `v.safeParse` with valibot's default settings, for
 * the synchronous schemas of the action table; and no `~standard` object, which a valibot schema
 * makes anew on each read, per parse.
 */
function run(
  schema: WireSchema<unknown, unknown>,
  value: unknown,
): { value?: unknown; issues?: readonly SchemaIssue[] | undefined } {
  return schema["~run"]({ value }, {}) as { value?: unknown; issues?: readonly SchemaIssue[] };
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
  return parseResponse<A>(action, name, await endpoint.request(name, data as JsonObject, options));
}

/**
 * {@link callAction} through an endpoint's callback `send`: one promise per request, where
 * awaiting `request` in an async function made three, which showed in the CPU per request.
 */
export function sendAction<A extends AnyWireAction>(
  endpoint: CallbackSender,
  action: A,
  peerVersions: readonly string[] | undefined,
  data: RequestInput<A>,
  options?: RequestOptions,
): Promise<ResponseData<A>> {
  const name = wireNameFor(action, peerVersions);
  return new Promise<ResponseData<A>>((resolve, reject) => {
    endpoint.send(
      name,
      data as JsonObject,
      options ?? {},
      (raw) => {
        try {
          resolve(parseResponse<A>(action, name, raw));
        } catch (error) {
          reject(error);
        }
      },
      reject,
    );
  });
}

/** A reply parsed by the action's response schema, or the malformed_response error for it. */
function parseResponse<A extends AnyWireAction>(action: A, name: string, raw: JsonObject): ResponseData<A> {
  const result = run(action.response, raw);
  if (result.issues) throw malformedReply(name, result.issues);
  return result.value as ResponseData<A>;
}

function malformedReply(name: string, issues: readonly SchemaIssue[]): WidgetApiError {
  return new WidgetApiError(`Malformed reply to ${name}: ${describeIssue(issues)}`, "malformed_response");
}

/** What {@link sendAction} and {@link pushAction} send through: an endpoint's promise-free `send`. */
export type CallbackSender = Pick<Endpoint, "send">;

/**
 * {@link callAction} for a push, without promises: `done` is called once, with nothing when the
 * peer acknowledged the push with a well-formed reply, or with the error otherwise. Never before
 * this returns.
 */
export function pushAction<A extends AnyWireAction>(
  endpoint: CallbackSender,
  action: A,
  peerVersions: readonly string[] | undefined,
  data: RequestInput<A>,
  done: (error?: WidgetApiError) => void,
): void {
  const name = wireNameFor(action, peerVersions);
  endpoint.send(
    name,
    data as JsonObject,
    {},
    (raw) => {
      const result = run(action.response, raw);
      done(result.issues ? malformedReply(name, result.issues) : undefined);
    },
    done,
  );
}
