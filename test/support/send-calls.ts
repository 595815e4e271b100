import { expect } from "vitest";

/**
 * A driver's recorded `sendEvent` calls as tests compare them: each call's options must carry the
 * abort signal the host gives every send (see `SendEventOptions.signal`), which is checked here and
 * then left out, so that a test states the rest of the options exactly.
 */
export function withoutSignals(calls: unknown[][]): unknown[][] {
  return calls.map(([type, content, options]) => {
    const { signal, ...rest } = options as { signal?: unknown };
    expect(signal).toBeInstanceOf(AbortSignal);
    return [type, content, rest];
  });
}
