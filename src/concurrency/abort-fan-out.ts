/**
 * One 'abort' listener per AbortSignal, however many callers wait on it. A caller that runs 12
 * commands at once with one signal (`Promise.all(cmds.map((c) => session.exec(c, {signal})))`)
 * would otherwise add 12 listeners to it, and Node prints a MaxListenersExceededWarning (a
 * listener-leak warning) past 10, although nothing leaks.
 */
interface Waiters {
  fns: Set<() => void>;
  listener: () => void;
}

const bySignal = new WeakMap<AbortSignal, Waiters>();

/**
 * Calls `fn` once when `signal` aborts (not at all if it already has: check `aborted` first).
 * Returns the function that stops waiting; the signal's listener goes with its last waiter.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let waiters = bySignal.get(signal);
  if (waiters === undefined) {
    const fns = new Set<() => void>();
    const listener = (): void => {
      bySignal.delete(signal);
      for (const f of [...fns]) f();
    };
    waiters = { fns, listener };
    bySignal.set(signal, waiters);
    signal.addEventListener('abort', listener, { once: true });
  }
  const own = waiters;
  // A Set keeps one entry per function: wrap, so the same function may wait twice.
  const entry = (): void => fn();
  own.fns.add(entry);
  return () => {
    if (!own.fns.delete(entry) || own.fns.size > 0) return;
    signal.removeEventListener('abort', own.listener);
    if (bySignal.get(signal) === own) bySignal.delete(signal);
  };
}
