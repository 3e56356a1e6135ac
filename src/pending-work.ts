/**
 * Works through a run's pending jobs, `concurrency` at a time: the loop shared by the forecast run
 * (overlays/run.ts) and the scoring run (overlays/scoring/run.ts). `mapConcurrently` is the in-memory
 * form their `collect…` variants use (no file, no interruption).
 *
 * - Interruption: when `signal` aborts, no further job starts and each job in flight sees its own signal
 *   abort; a job that then rejects is dropped, by design (its request is lost, nothing is recorded). A
 *   signal already aborted on entry starts nothing.
 * - Failure: a job that rejects otherwise is fatal. The others stop taking jobs, those in flight are
 *   aborted, and once every worker has stopped the first such error is thrown.
 * - Each job gets a signal of its own, linked to the run's, so listeners a client puts on it (the SDK's)
 *   die with the job instead of piling up on the run's signal.
 */
import { setMaxListeners } from 'node:events';

export interface PendingWorkOptions<J, O> {
  pending: readonly J[];
  /** Jobs in flight at once (at least 1, at most the number pending). */
  concurrency: number;
  signal?: AbortSignal;
  /** Runs one job. */
  attempt(job: J, signal: AbortSignal): Promise<O>;
  /** Takes each job's result as it completes, in completion order (writes its record). */
  settle(job: J, outcome: O): void;
}

export async function workThrough<J, O>(options: PendingWorkOptions<J, O>): Promise<void> {
  const { pending, signal } = options;
  const inner = new AbortController();
  // One listener per job in flight; concurrency may exceed Node's default warning level.
  setMaxListeners(0, inner.signal);
  const stop = () => inner.abort(signal?.reason ?? new Error('interrupted'));
  if (signal?.aborted) stop();
  else signal?.addEventListener('abort', stop, { once: true });
  let fatal: unknown = null;
  let next = 0;

  const worker = async () => {
    while (!inner.signal.aborted && next < pending.length) {
      const job = pending[next++];
      const own = new AbortController();
      const relay = () => own.abort(inner.signal.reason);
      inner.signal.addEventListener('abort', relay, { once: true });
      let outcome: O;
      try {
        outcome = await options.attempt(job, own.signal);
      } catch (e) {
        if (inner.signal.aborted) return; // interrupted: the in-flight request is lost, by design
        fatal ??= e;
        inner.abort(e);
        return;
      } finally {
        inner.signal.removeEventListener('abort', relay);
      }
      options.settle(job, outcome);
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, pending.length)) }, worker));
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  if (fatal !== null) throw fatal;
}

/**
 * `fn` over `items`, `concurrency` at a time, results in the items' order. The first rejection rejects
 * at once (jobs already started still run to their end; none is started after it).
 */
export async function mapConcurrently<T, U>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<U>): Promise<U[]> {
  const results: U[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}
