import { DEFAULT_GRACE } from '../config/settings';
import { MAX_WORKERS, POOL_RESTART } from '../config/workers';

/** Help text for -h/--help; OPTION_TABLE lists the options in its order. */
export const HELP = `Usage: tsinit [OPTIONS] [--] COMMAND [ARG...]

Runs COMMAND as the child of a container init: forwards signals to its process group,
reaps every zombie, and exits with COMMAND's exit code (128+n if signal n killed it).
When COMMAND exits, what it left running gets SIGTERM, then SIGKILL after the grace.

Options:
  -v, --verbose         more log lines on stderr (repeat: -vv)
  --log-format FORMAT   text (default) or json: one JSON object per event
  -w                    warn about every zombie reaped that was not COMMAND
  -c, --single-child    signals go to COMMAND alone, not its process group
  -g                    signals go to COMMAND's process group (the default)
  --setsid              run COMMAND in a session of its own
  -r, --rewrite S:R     forward signal S as R (names or numbers; R=0 drops S); repeatable
  -e CODE               exit 0 when COMMAND's exit code is CODE; repeatable
  --grace DURATION      time between SIGTERM and SIGKILL for leftovers (default ${DEFAULT_GRACE}; 0: none)
  --kill-after DURATION SIGKILL COMMAND's group this long after a forwarded SIGTERM/SIGINT
  --timeout DURATION    stop the whole tree as at the end and exit 124 when COMMAND runs longer
                        (0: none)
  --delay S:DURATION    hold signal S this long before forwarding it; a second S or a SIGINT
                        forwards it at once (Kubernetes: --delay TERM:5s); repeatable
  --restart POLICY      no (default), on-failure[:N] or always[:N]: start COMMAND again after it
                        ends (a failure: exit code not 0, or a signal not forwarded by tsinit),
                        at most N times, backing off from 100ms to 30s; a SIGTERM/SIGINT ends it
  --workers N|auto      run N copies of COMMAND (1-${MAX_WORKERS}; auto: the CPUs the container's cgroup
                        grants), each with TSINIT_TASK_ID 0..N-1 and TSINIT_WORKERS=N; one that
                        fails starts again with its id (default --restart ${POOL_RESTART}: one
                        budget for all)
  --listen [NAME=]ADDR  open a listening socket before the first start and hand it to every run
                        as fd 3, 4, ... (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES); ADDR is
                        tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH; NAME defaults to ADDR with
                        each ':' made '-' (tcp:0.0.0.0:80 is tcp-0.0.0.0-80); repeatable
  -p SIGNAL             have SIGNAL sent to tsinit when its parent dies
  -s                    register as a child subreaper (automatic when not PID 1)
  -l                    print the license
  -h, --help            this text
  -V, --version         print the version

-r and --delay take any signal tsinit forwards: not KILL, STOP, CHLD, TTIN or TTOU.
Durations: 500ms, 10s, 1.5s, 2m, or a number of seconds.
Environment: TSINIT_VERBOSITY (0-3), TSINIT_SUBREAPER, TSINIT_KILL_PROCESS_GROUP,
TSINIT_TIMEOUT, TSINIT_DELAY (rules joined by commas), TSINIT_RESTART, TSINIT_WORKERS,
TSINIT_LISTEN (addresses joined by commas); tini's
TINI_* and dumb-init's DUMB_INIT_SETSID, DUMB_INIT_DEBUG too. Booleans: empty, 1, true, yes,
on mean on; 0, false, no, off mean off. Flags beat the environment.
`;
