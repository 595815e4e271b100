// Issue 12 item 7: ErrorCodeValue is exactly the ErrorCode values (no `string & {}`), so a switch
// over WidgetApiError.code can be exhaustive; other codes live in customCode.
import { describe, expectTypeOf, it } from "vitest";
import { ErrorCode, WidgetApiError, type ErrorCodeValue } from "../../../src/protocol/errors.js";

/** Compiles only while the switch covers every code: `code` is `never` in the default branch. */
function advice(code: ErrorCodeValue): string {
  switch (code) {
    case ErrorCode.UnknownAction:
    case ErrorCode.Unsupported:
      return "hide the feature";
    case ErrorCode.InvalidRequest:
    case ErrorCode.OutOfSequence:
    case ErrorCode.MalformedResponse:
    case ErrorCode.Internal:
      return "report a bug";
    case ErrorCode.MissingCapability:
    case ErrorCode.Refused:
      return "ask again later";
    case ErrorCode.LimitExceeded:
    case ErrorCode.Timeout:
    case ErrorCode.HomeserverError:
      return "retry";
    case ErrorCode.TooLarge:
      return "send less";
    case ErrorCode.SessionEnded:
      return "start over";
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

describe("error codes", () => {
  it("ErrorCodeValue is exactly the thirteen ErrorCode values", () => {
    expectTypeOf<ErrorCodeValue>().toEqualTypeOf<
      | "unknown_action"
      | "invalid_request"
      | "out_of_sequence"
      | "missing_capability"
      | "refused"
      | "limit_exceeded"
      | "too_large"
      | "unsupported"
      | "timeout"
      | "session_ended"
      | "homeserver_error"
      | "malformed_response"
      | "internal_error"
    >();
    expectTypeOf(advice).returns.toEqualTypeOf<string>();
  });

  it("a custom code is a separate string field, and not accepted as the code", () => {
    expectTypeOf<WidgetApiError["code"]>().toEqualTypeOf<ErrorCodeValue>();
    expectTypeOf<WidgetApiError["customCode"]>().toEqualTypeOf<string | undefined>();
    // @ts-expect-error a host's own code goes in customCode, not in code
    const wrong = new WidgetApiError("no", "com.example.closed");
    void wrong;
  });
});
