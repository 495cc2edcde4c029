// Node opens its inspector on 127.0.0.1:9229 when SIGUSR1 arrives with no listener, and PID 1
// must forward SIGUSR1 instead. This module is cli.ts's first import so the listener exists
// before any other module loads. It is never removed: removing the last listener of a signal
// gives it back to Node's default.
process.on('SIGUSR1', () => {});
