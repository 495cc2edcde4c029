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
}

/** When CMD is started again after it ends: never, after a failure, or after any end; at most `max` times. */
export interface RestartPolicy {
  when: 'no' | 'on-failure' | 'always';
  max: number;
}
