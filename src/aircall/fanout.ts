/**
 * Fan-out: one request (or a few) per parent record, several in flight at
 * once, results in the parents' order. The requests go through the run's
 * client, so its one scheduler paces them with everything else; the bound
 * only keeps latency from serialising them when the pace allows more.
 *
 * @module
 */

/**
 * Maps `fetch` over `parents`, with at most `concurrency` calls unsettled at
 * once, and yields each result in the order of `parents` (whatever order they
 * settle in). A rejection is thrown when its turn comes. When the caller
 * stops (or a rejection ends the map), the signal handed to the pending calls
 * aborts, so their requests are given up: no retry, no rate-limit wait.
 *
 * @param parents The records to fan out from, consumed as results are needed.
 * @param fetch The work for one parent; pass `signal` to its requests.
 * @param concurrency How many calls may be unsettled at once (at least 1).
 * @returns The results, in the order of `parents`.
 *
 * @example
 * ```ts
 * const perUser = fanOut(users, (user, signal) =>
 *   client.get(`/v2/users/${user.id}/numbers`, {}, signal), 4);
 * for await (const body of perUser) console.log(body);
 * ```
 */
export async function* fanOut<P, R>(
  parents: AsyncIterable<P> | Iterable<P>,
  fetch: (parent: P, signal: AbortSignal) => Promise<R>,
  concurrency: number,
): AsyncGenerator<R> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`Fan-out concurrency ${concurrency} is not >= 1`);
  }
  const unwanted = new AbortController();
  // Unsettled and unyielded results, in the parents' order.
  const pending: Promise<R>[] = [];
  try {
    for await (const parent of parents) {
      const result = fetch(parent, unwanted.signal);
      // Handled when its turn comes; this stops an early end from leaving it unhandled.
      result.catch(() => {});
      pending.push(result);
      while (pending.length >= concurrency) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    unwanted.abort();
  }
}
