/**
 * Runs callbacks as tasks of their own, in the order given, the way a browser delivers each
 * postMessage: everything one message sets off, its promise reactions included, has run before the
 * next message arrives. Node's setImmediate where there is one; elsewhere one MessageChannel, made
 * on first use, whose every message runs the next queued callback.
 *
 * The scheduler is the one the page or process had when this module loaded: fake timers a test
 * installs later do not hold back the in-memory channel, as they never held back its microtasks.
 * @internal
 */
export type TaskScheduler = (task: () => void) => void;

/** Node's setImmediate, where there is one (the package's own types know only the browser's globals). */
const nodeImmediate = (globalThis as { setImmediate?: unknown }).setImmediate;
const immediate: ((task: () => void) => unknown) | undefined =
  typeof nodeImmediate === "function"
    ? (nodeImmediate as (task: () => void) => unknown).bind(globalThis)
    : undefined;

function channelTasks(): TaskScheduler {
  const queue: Array<(() => void) | undefined> = [];
  let head = 0;
  let port: MessagePort | undefined;
  const runNext = (): void => {
    const task = queue[head];
    queue[head++] = undefined;
    // Taken from the front by index, and emptied once drained: shift() copies the rest each time.
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    }
    task?.();
  };
  return (task) => {
    if (port === undefined) {
      const channel = new MessageChannel();
      channel.port1.onmessage = runNext;
      port = channel.port2;
    }
    queue.push(task);
    port.postMessage(undefined);
  };
}

const schedule: TaskScheduler = immediate ? (task) => void immediate(task) : channelTasks();

/**
 * Runs `task` as a task of its own, like {@link nextTask}, without counting it as a message on its
 * way: for waiting loops (the test kit's `settle`) that must not stall under fake timers.
 * @internal
 */
export const nextTurn: TaskScheduler = schedule;

/** Tasks given to {@link nextTask} that have not run yet. */
let pending = 0;

/** Runs `task` as a task of its own, after the tasks already given to it. */
export const nextTask: TaskScheduler = (task) => {
  pending++;
  schedule(() => {
    pending--;
    task();
  });
};

/**
 * How many tasks given to {@link nextTask} have not run yet: in-memory messages on their way. Test
 * helpers wait for it to reach zero to know that the in-memory channels are quiet.
 * @internal
 */
export function pendingTasks(): number {
  return pending;
}
