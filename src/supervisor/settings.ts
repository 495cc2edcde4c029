/** What the supervisor acts on, whichever front end (command line, `run`) gave it. */
export interface Settings {
  singleChild: boolean;
  newSession: boolean;
  subreaper: boolean;
  warnOnReap: boolean;
  remapToZero: Set<number>;
  parentDeathSignal: number | undefined;
  rewrites: Map<number, number>;
  graceMs: number;
  killAfterMs: number | undefined;
  /** Stop the tree and exit 124 when CMD has run this long (counted from its first start); undefined: never. */
  timeoutMs: number | undefined;
  /** A signal received is held this long before it is forwarded (Kubernetes: endpoints first). */
  delays: Map<number, number>;
  restart: RestartPolicy;
  /** --workers: a pool of this many, each with TSINIT_TASK_ID 0..N-1 and TSINIT_WORKERS N; undefined: one command. */
  workers: WorkerCount | undefined;
  /** --listen: sockets tsinit opens before the first start and hands every run as fd 3, 4, ... */
  listen: ListenAddress[];
}

/** How many workers, and where the number came from (said at -v): `--workers 4`, or what `auto` found. */
export interface WorkerCount {
  count: number;
  from: string;
}

/** A listening socket to open: TCP on an IP literal (v4, or v6 without its brackets), or a unix socket at an absolute path. */
export type ListenAddress =
  | { kind: 'tcp'; name: string; host: string; port: number; text: string }
  | { kind: 'unix'; name: string; path: string; text: string };

/** When CMD is started again after it ends: never, after a failure, or after any end; at most `max` times. */
export interface RestartPolicy {
  when: 'no' | 'on-failure' | 'always';
  max: number;
}
