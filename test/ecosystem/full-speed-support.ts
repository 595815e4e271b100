// Shared by the full-speed suites (c: a matrix-widget-api widget in our host; d: our widget in
// matrix-widget-api's host): page HTML with the console silenced, the join of both pages' wire
// counts, and the printing of timings.
import type { IdCounts } from "./fixtures/full-speed/wire.js";

/**
 * A page that runs `bundle` with console.log/info/debug/warn turned into no-ops first, as a
 * production build does: the inline script runs before the (deferred) module script, so the
 * library never logs. With logging on, each request takes long enough to hide timing bugs.
 */
export function silencedPage(bundle: string): string {
  return [
    '<!doctype html><meta charset="utf-8"><body>',
    '<script>for (const level of ["log", "info", "debug", "warn"]) console[level] = () => {};</script>',
    `<script type="module" src="/bundle/${bundle}.js"></script>`,
    "</body>",
  ].join("");
}

/** A page that runs `bundle` as it is. */
export function plainPage(bundle: string): string {
  return `<!doctype html><meta charset="utf-8"><body><script type="module" src="/bundle/${bundle}.js"></script></body>`;
}

/** How many messages a count map holds in all. */
export function total(counts: IdCounts): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/**
 * The request IDs whose number of replies on the wire differs from the number of requests sent
 * with that ID (a reused ID legitimately carries several requests, one after the other), as
 * readable lines; empty when every request was answered exactly once.
 */
export function unanswered(requests: IdCounts, replies: IdCounts): string[] {
  const ids = new Set([...Object.keys(requests), ...Object.keys(replies)]);
  return [...ids]
    .filter((id) => (requests[id] ?? 0) !== (replies[id] ?? 0))
    .map((id) => `${id}: ${requests[id] ?? 0} sent, ${replies[id] ?? 0} answered`);
}

/** How many requests went out under an ID an earlier request had already used. */
export function reusedIds(requests: IdCounts): number {
  return Object.values(requests).reduce((sum, n) => sum + (n - 1), 0);
}

/** Prints one timing line, so `npm test` shows what full speed means on this machine. */
export function report(suite: string, workload: string, count: number, ms: number, extra = ""): void {
  const per = ms / count;
  process.stdout.write(
    `[${suite}] ${workload}: ${count} in ${ms.toFixed(0)} ms (${per.toFixed(3)} ms each, ${(count / (ms / 1000)).toFixed(0)}/s)${extra ? `; ${extra}` : ""}\n`,
  );
}
