// Node opens its inspector on 127.0.0.1:9229 when SIGUSR1 arrives with no listener, and PID 1
// must forward SIGUSR1 instead. This module is cli.ts's first import so a listener exists before
// any other module loads; once the signal intake watches SIGUSR1 too, the listener goes (libuv
// keeps the signal's handler while any watcher of it is left).

/** The listener that holds SIGUSR1 until the intake watches it. */
export const inspectorGuard = (): void => {};
process.on('SIGUSR1', inspectorGuard);
