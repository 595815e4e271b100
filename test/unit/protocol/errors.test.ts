import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import {
  classifyErrorMessage,
  ErrorCode,
  isErrorCode,
  isUnknownActionError,
  WidgetApiError,
  type ErrorCodeValue,
} from "../../../src/protocol/errors.js";
import { defineAction } from "../../../src/protocol/action.js";
import type { JsonObject, WidgetMessage } from "../../../src/protocol/envelope.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { connect, settle } from "../../support/memory-session.js";

describe("error replies without a code", () => {
  it.each([
    // matrix-widget-api's ClientWidgetApi, i.e. Element Web and every host built on it.
    ["ClientWidgetApi", "Unknown or unsupported from-widget action: uk.half-shot.msc3662.mxid_share"],
    ["ClientWidgetApi", "Unknown or unsupported from-widget action: org.matrix.msc3751.read_account_data"],
    // matrix-widget-api's WidgetApi, i.e. Element Call and most published widgets.
    ["WidgetApi", "Unknown or unsupported to-widget action: theme_change"],
    // Our own wording, should a peer relay it without the code.
    ["matrix-widget-kit", "Unknown or unsupported action: com.example.nope"],
    ["other hosts", "Unknown action"],
    ["other hosts", "Unsupported action: com.example.nope"],
    ["other hosts", "The read_relations action is not supported by the client."],
    ["other hosts", "Not implemented"],
  ])("classifies %s's %j as unknown_action and keeps the message", (_peer, message) => {
    const error = WidgetApiError.fromResponse({ error: { message } });
    expect(error).toBeInstanceOf(WidgetApiError);
    expect(error?.message).toBe(message);
    expect(error?.code).toBe(ErrorCode.UnknownAction);
    expect(isUnknownActionError(error)).toBe(true);
  });

  it.each([
    ["Missing capability", ErrorCode.MissingCapability],
    ["Missing capability for org.matrix.msc4157.update_delayed_event", ErrorCode.MissingCapability],
    ["Invalid request - limit out of range", ErrorCode.InvalidRequest],
    // update_delayed_event with an unknown `action` field: a bad request, not an unknown action.
    ["Invalid request - unsupported action", ErrorCode.InvalidRequest],
    [
      "Improper sequence: not expecting ContentLoaded event if waitForIframeLoad is true (default=true)",
      ErrorCode.OutOfSequence,
    ],
    ["Capability negotiation already completed", ErrorCode.OutOfSequence],
    ["Unexpected error while sending event", ErrorCode.Internal],
    ["TURN servers not available", ErrorCode.Internal],
    // Its refusals for a type, room or timeline the widget has no capability for.
    ["Cannot send room events of this type", ErrorCode.MissingCapability],
    ["Cannot send state events of this type", ErrorCode.MissingCapability],
    ["Cannot send to-device events of this type", ErrorCode.MissingCapability],
    ["Cannot read room events of this type", ErrorCode.MissingCapability],
    ["Cannot read state events of this type", ErrorCode.MissingCapability],
    ["Cannot read room account data of this type", ErrorCode.MissingCapability],
    ["Unable to access room timeline: !room:example.org", ErrorCode.MissingCapability],
    // A bad combination in the request, not a missing capability.
    ["Cannot send a state event with a sticky duration", ErrorCode.Internal],
  ])(
    "classifies ClientWidgetApi's %j as %s (a failure, not an unknown action), keeping the message",
    (message, code) => {
      const error = WidgetApiError.fromResponse({ error: { message } });
      expect(error?.message).toBe(message);
      expect(error?.code).toBe(code);
      expect(isUnknownActionError(error)).toBe(false);
    },
  );

  it("classifies a driver failure relayed with matrix_api_error as a homeserver error", () => {
    const matrixApiError = {
      http_status: 403,
      http_headers: {},
      url: "https://hs.example.org/_matrix/client/v3/rooms/x/send/m.room.message/1",
      response: { errcode: "M_FORBIDDEN", error: "You are not in this room" },
    };
    const error = WidgetApiError.fromResponse({
      error: { message: "Error sending event", matrix_api_error: matrixApiError },
    });
    expect(error?.code).toBe(ErrorCode.HomeserverError);
    expect(error?.matrixApiError).toEqual(matrixApiError);
  });

  it("keeps a code the peer sent, whatever the message says", () => {
    expect(WidgetApiError.fromResponse({ error: { message: "Unknown action", code: "refused" } })?.code).toBe(
      "refused",
    );
    expect(classifyErrorMessage("Not supported", true)).toBe(ErrorCode.HomeserverError);
  });

  it("lets a widget tell an Element-style unknown action from a failure", async () => {
    const pair = createMemoryTransportPair();
    // A host that answers like ClientWidgetApi: only `message`, never `code`.
    pair.host.subscribe((raw) => {
      const message = raw as WidgetMessage;
      if (message.api !== "fromWidget" || "response" in message) return;
      const reply = (response: JsonObject) => pair.host.send({ ...message, response });
      if (message.action === "supported_api_versions") {
        reply({ supported_versions: ["0.0.1", "0.0.2", "org.matrix.msc2871"] });
        const toWidget = { api: "toWidget", widgetId: "w" } as const;
        pair.host.send({ ...toWidget, requestId: "caps-1", action: "capabilities", data: {} });
        pair.host.send({
          ...toWidget,
          requestId: "caps-2",
          action: "notify_capabilities",
          data: { requested: [], approved: [] },
        });
      } else if (message.action === "com.example.fails")
        reply({ error: { message: "Unexpected error while handling" } });
      else reply({ error: { message: `Unknown or unsupported from-widget action: ${message.action}` } });
    });
    const created = WidgetClient.create({ widgetId: "w", transport: pair.widget, logger: silentLogger });
    const client = await created;
    const unknown = await client.request(customAction("com.example.nope"), {}).catch((e: unknown) => e);
    const failed = await client.request(customAction("com.example.fails"), {}).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(WidgetApiError);
    expect(unknown).toMatchObject({
      code: ErrorCode.UnknownAction,
      message: "Unknown or unsupported from-widget action: com.example.nope",
    });
    expect(failed).toMatchObject({ code: ErrorCode.Internal, message: "Unexpected error while handling" });
    client.destroy();
  });

  it("sends a code with every error reply of its own, so peers need not guess", async () => {
    const { pair, client } = await connect();
    const replies: WidgetMessage[] = [];
    pair.widget.subscribe((message) => replies.push(message as WidgetMessage));
    await client.request(customAction("com.example.nope"), {}).catch(() => {});
    await settle();
    expect(replies.at(-1)).toMatchObject({ response: { error: { code: ErrorCode.UnknownAction } } });
    client.destroy();
  });
});

function customAction(name: string) {
  return defineAction({
    id: name,
    direction: "fromWidget",
    stable: name,
    unstable: [],
    request: v.object({}),
    response: v.object({}),
  });
}

describe("codes outside ErrorCode (issue 12 item 7)", () => {
  it("a received unknown code is kept in customCode, and code is read from the message", () => {
    const custom = WidgetApiError.fromResponse({
      error: { message: "Quota used up", code: "com.example.quota" },
    });
    expect(custom?.code).toBe(ErrorCode.Internal);
    expect(custom?.customCode).toBe("com.example.quota");
    const unknownAction = WidgetApiError.fromResponse({
      error: { message: "Unknown action", code: "org.example.newer_code" },
    });
    expect(unknownAction?.code).toBe(ErrorCode.UnknownAction);
    expect(unknownAction?.customCode).toBe("org.example.newer_code");
  });

  it("a known code has no customCode", () => {
    const known = WidgetApiError.fromResponse({ error: { message: "No", code: "refused" } });
    expect(known?.code).toBe(ErrorCode.Refused);
    expect(known?.customCode).toBeUndefined();
  });

  it("a thrown error's customCode is what goes on the wire, and reads back the same", () => {
    const thrown = new WidgetApiError(
      "Quota used up",
      ErrorCode.LimitExceeded,
      undefined,
      "com.example.quota",
    );
    expect(thrown.toResponse()).toEqual({ error: { message: "Quota used up", code: "com.example.quota" } });
    expect(WidgetApiError.fromResponse(thrown.toResponse())?.customCode).toBe("com.example.quota");
  });

  it("a JavaScript caller's unknown code string becomes customCode, and code stays in the union", () => {
    const fromJs = new WidgetApiError("No", "com.example.closed" as unknown as ErrorCodeValue);
    expect(fromJs.code).toBe(ErrorCode.Internal);
    expect(fromJs.customCode).toBe("com.example.closed");
    expect(isErrorCode(fromJs.code)).toBe(true);
    expect(isErrorCode("com.example.closed")).toBe(false);
  });
});
