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
