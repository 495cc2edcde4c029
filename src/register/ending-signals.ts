// The ending signals of an app that is its own PID 1, as Node's process events: listened for,
// listened for again when the app removes every listener, and the app's own listeners counted.

/**
 * Listens for each signal of `names` (its number to its name) and calls `onSignal` with it. The
 * kernel drops a signal that PID 1 has no handler for, so a `removeAllListeners('SIGTERM')` of the
 * app's would bring docker stop's 10 s wait back: the listener is added again at once. Returns the
 * count of the app's own listeners of a signal, for the decision.
 */
export function listenForEndingSignals(names: ReadonlyMap<number, string>, onSignal: (signal: number) => void): (signal: number) => number {
  const ours = new Map([...names].map(([signal, name]) => [name, () => onSignal(signal)]));
  for (const [name, listener] of ours) process.on(name as NodeJS.Signals, listener);
  process.on('removeListener', (name: string | symbol, listener: unknown) => {
    if (typeof name === 'string' && ours.get(name) === listener) process.on(name as NodeJS.Signals, listener as () => void);
  });
  return (signal) => {
    const name = names.get(signal)!;
    return process.listeners(name as NodeJS.Signals).filter((listener) => listener !== ours.get(name) && !reraisesWhenAlone(listener)).length;
  };
}

// signal-exit (which execa, write-file-atomic, foreground-child and others load) listens for every
// ending signal only to raise it again when its listener is the last one; beside ours it never
// is, so it would count as the app deciding, and nothing would end the app. Its listener, v3's
// and v4's alike, is known by its body: it compares `listeners(sig)` with its `count`.
function reraisesWhenAlone(listener: (...args: never[]) => unknown): boolean {
  const body = Function.prototype.toString.call(listener);
  return body.includes('listeners(sig)') && body.includes('count');
}
