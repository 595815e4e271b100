import { expect } from "vitest";
import { HomeserverError } from "../../../../src/host/matrix-error.js";
import { MatrixWorld, createSteppingClock } from "../../../../src/drivers/memory/index.js";

/** A fresh world for `@me:example.org` with a clock starting at 1_000_000 and ticking by 1000. */
export function newWorld(options: { searchAllUsers?: boolean } = {}): MatrixWorld {
  return new MatrixWorld({
    ownUserId: "@me:example.org",
    now: createSteppingClock(1_000_000, 1000),
    ...options,
  });
}

/** Runs `fn` and returns what it threw, failing the test when it did not throw. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  expect.fail("expected the call to throw");
}

/** Asserts that `error` is a HomeserverError with the given status and errcode. */
export function expectHomeserverError(error: unknown, httpStatus: number, errcode: string): HomeserverError {
  expect(error).toBeInstanceOf(HomeserverError);
  const details = (error as HomeserverError).details;
  expect({ httpStatus: details.httpStatus, errcode: details.errcode }).toEqual({ httpStatus, errcode });
  return error as HomeserverError;
}

/** Awaits `promise`, expecting it to reject with a HomeserverError of the given status and errcode. */
export async function expectRejection(
  promise: Promise<unknown>,
  httpStatus: number,
  errcode: string,
): Promise<HomeserverError> {
  const error = await promise.then(
    () => expect.fail("expected the promise to reject"),
    (reason: unknown) => reason,
  );
  return expectHomeserverError(error, httpStatus, errcode);
}

/**
 * A copy of `value` (an event, a list of events, a snapshot…) without any `unsigned.age`, the one
 * member that changes between two reads of an unchanged event: for comparing reads made at
 * different times of the world's clock.
 */
export function withoutAge<T>(value: T): T {
  const copy = structuredClone(value);
  stripAge(copy);
  return copy;
}

function stripAge(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) stripAge(item);
  } else if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const unsigned = record["unsigned"];
    if (typeof unsigned === "object" && unsigned !== null) {
      delete (unsigned as Record<string, unknown>)["age"];
      if (Object.keys(unsigned).length === 0) delete record["unsigned"];
    }
    for (const child of Object.values(record)) stripAge(child);
  }
}
