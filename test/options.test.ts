import { describe, expect, it } from 'vitest';
import { HELP, parseOptions, UsageError } from '../src/cli/options';
import { OPTION_TABLE } from '../src/cli/option-table';
import { normaliseRunOptions } from '../src/config/run-options';
import { normaliseSettings, SettingError } from '../src/config/settings';

const REALTIME: [number, number] = [34, 64];
// `auto` counts what a fake cgroup grants; unix paths are relative to a fixed directory.
const SOURCES = { cwd: () => '/srv/app', cpus: () => ({ count: 3, from: 'cgroup v2 cpu.max 250000 100000' }) };
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseOptions(argv, env, REALTIME, SOURCES);

describe("options, read in-process as getopt reads tini's", () => {
  it.each([
    [['-pSIGTERM', 'true'], { parentDeathSignal: 15 }],
    [['-p', 'TERM', '-p', 'INT', 'true'], { parentDeathSignal: 2 }], // the last one wins
    [['--grace', '1s', '--grace=2s', 'true'], { graceMs: 2000 }],
    [['-e3', 'true'], { remapToZero: new Set([3]) }],
    [['-rTERM:QUIT', 'true'], { rewrites: new Map([[15, 3]]) }],
    [['-vvs', 'true'], { verbosity: 3, subreaper: true }],
    [['-ve', '3', 'true'], { verbosity: 2, remapToZero: new Set([3]) }],
    [['--timeout', '2m', '--delay', 'TERM:5s', '--delay=INT:1', 'true'], { timeoutMs: 120_000, delays: new Map([[15, 5000], [2, 1000]]) }],
    [['--restart', 'on-failure:3', 'true'], { restart: { when: 'on-failure', max: 3 } }],
    [['--restart=always', 'true'], { restart: { when: 'always', max: Infinity } }],
    [['-V'], { version: true }], // dumb-init's
    [['--version'], { version: true }],
    [['--verbose', 'true'], { verbosity: 2 }], // dumb-init's, the same as -v
    [['--verbose', '-v', '--verbose', 'true'], { verbosity: 4 }],
    [['--timeout', '0', 'true'], { timeoutMs: undefined }], // as coreutils: 0 is no timeout
    [['--timeout', '0.0001', 'true'], { timeoutMs: undefined }], // rounds to 0 ms
    [['--timeout', '1ms', 'true'], { timeoutMs: 1 }],
    [['--grace', '0', 'true'], { graceMs: 0 }], // 0: no grace, SIGKILL at once
    [['-r', 'TERM:KILL', '-r', 'INT:STOP', 'true'], { rewrites: new Map([[15, 9], [2, 19]]) }], // any signal as R
    [['--delay', 'SEGV:1s', '-r', 'BUS:TERM', 'true'], { delays: new Map([[11, 1000]]), rewrites: new Map([[7, 15]]) }], // faults sent by others are forwarded
  ])('%j', (argv, expected) => {
    expect(parse(argv)).toMatchObject(expected);
  });

  it.each([
    [['-e', '-1', 'true'], 'bad exit code for -e: -1 (want 0-255)'],
    [['-ev', 'true'], 'bad exit code for -e: v (want 0-255)'], // -e takes the rest of its cluster
    [['--no-grace', 'true'], 'unknown option --no-grace'],
    [['--__proto__', 'x', 'true'], 'unknown option --__proto__'],
    [['--constructor', 'true'], 'unknown option --constructor'],
    [['--v', 'true'], 'unknown option --v'],
    [['--setsid=yes', 'true'], 'option --setsid takes no value'],
    [['--grace'], 'option --grace needs a value'],
    [['--kill-after', '2147484', 'true'], 'duration too long for --kill-after: 2147484 (at most 2147483647 ms, about 24 days)'],
    [['--grace', '36000m', 'true'], 'duration too long for --grace: 36000m (at most 2147483647 ms, about 24 days)'],
    [['--restart', 'sometimes', 'true'], 'bad restart policy for --restart: sometimes (want no, on-failure[:N] or always[:N])'],
    [['--restart', 'no:2', 'true'], 'bad restart policy for --restart: no:2 (want no, on-failure[:N] or always[:N])'],
    [['--delay', 'TERM', 'true'], 'bad delay for --delay: TERM (want SIGNAL:DURATION, e.g. TERM:5s)'],
    [['--delay', 'NOPE:1s', 'true'], 'bad signal for --delay: NOPE'],
    [['--delay', 'TERM:soon', 'true'], 'bad duration for --delay: soon (want e.g. 500ms, 10s, 2m)'],
    [['--timeout', '36000m', 'true'], 'duration too long for --timeout: 36000m (at most 2147483647 ms, about 24 days)'],
    [['--delay', 'KILL:1s', 'true'], 'bad signal for --delay: KILL (tsinit never forwards SIGKILL)'],
    [['--delay', 'sigstop:1s', 'true'], 'bad signal for --delay: sigstop (tsinit never forwards SIGSTOP)'],
    [['--delay', '17:1s', 'true'], 'bad signal for --delay: 17 (tsinit never forwards SIGCHLD)'],
    [['--delay', 'TTIN:1s', 'true'], 'bad signal for --delay: TTIN (tsinit never forwards SIGTTIN)'],
    [['--delay', 'TTOU:1s', 'true'], 'bad signal for --delay: TTOU (tsinit never forwards SIGTTOU)'],
    [['-r', 'CHLD:TERM', 'true'], 'bad signal for -r: CHLD (tsinit never forwards SIGCHLD)'],
    [['-r', 'KILL:TERM', 'true'], 'bad signal for -r: KILL (tsinit never forwards SIGKILL)'],
    [['--rewrite', 'STOP:0', 'true'], 'bad signal for -r: STOP (tsinit never forwards SIGSTOP)'],
    [['-r', 'TTOU:TERM', 'true'], 'bad signal for -r: TTOU (tsinit never forwards SIGTTOU)'],
    [['-V', '--frobnicate'], 'unknown option --frobnicate'],
    [['--verbose=2', 'true'], 'option --verbose takes no value'],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError); // the CLI's exit 2
    expect(() => parse(argv)).toThrow(new UsageError(message)); // the exact words
  });

  it("reads tini's and dumb-init's variables as they do, tsinit's strictly", () => {
    expect(parse(['true'], { TINI_SUBREAPER: '0' }).subreaper).toBe(true);
    expect(parse(['true'], { TINI_KILL_PROCESS_GROUP: 'no', DUMB_INIT_SETSID: '0' }).singleChild).toBe(false);
    expect(parse(['true'], { TINI_VERBOSITY: '5' }).verbosity).toBe(3);
    expect(parse(['true'], { TINI_VERBOSITY: 'abc' }).verbosity).toBe(0);
    expect(parse(['true'], { DUMB_INIT_SETSID: '2' }).newSession).toBe(true);
    expect(parse(['true'], { DUMB_INIT_DEBUG: 'true' }).verbosity).toBe(1);
    expect(() => parse(['true'], { TSINIT_SUBREAPER: '2' })).toThrow(UsageError);
    expect(() => parse(['true'], { TSINIT_SUBREAPER: '2' })).toThrow(new UsageError('bad TSINIT_SUBREAPER=2 (want 1, true, yes, on or 0, false, no, off)'));
  });

  it('reads TSINIT_TIMEOUT, TSINIT_DELAY (rules joined by commas) and TSINIT_RESTART; flags beat them', () => {
    const env = { TSINIT_TIMEOUT: '10s', TSINIT_DELAY: 'TERM:5s,HUP:1s', TSINIT_RESTART: 'on-failure:1' };
    expect(parse(['true'], env)).toMatchObject({ timeoutMs: 10_000, delays: new Map([[15, 5000], [1, 1000]]), restart: { when: 'on-failure', max: 1 } });
    expect(parse(['--timeout', '1s', '--restart', 'no', 'true'], env)).toMatchObject({ timeoutMs: 1000, restart: { when: 'no', max: 0 } });
    expect(parse(['--delay', 'INT:2s', 'true'], env).delays).toEqual(new Map([[2, 2000]]));
  });

  it.each([
    [['-c'], { DUMB_INIT_SETSID: '1' }, { singleChild: true, newSession: false }], // dumb-init's -c: no session of its own
    [['-g'], { DUMB_INIT_SETSID: '1' }, { singleChild: false, newSession: true }],
    [['-c', '--setsid'], {}, { singleChild: true, newSession: true }],
    [[], { DUMB_INIT_SETSID: '1' }, { singleChild: false, newSession: true }],
    [[], { TSINIT_KILL_PROCESS_GROUP: '0', DUMB_INIT_SETSID: '1' }, { singleChild: true, newSession: true }],
    [[], { TSINIT_KILL_PROCESS_GROUP: 'on', DUMB_INIT_SETSID: '0' }, { singleChild: false, newSession: false }],
    [[], { TSINIT_SUBREAPER: 'off', TINI_SUBREAPER: '1' }, { subreaper: false }], // TSINIT_* beats TINI_*
    [[], { TSINIT_VERBOSITY: '0', TINI_VERBOSITY: '3', DUMB_INIT_DEBUG: '1' }, { verbosity: 0 }],
    [[], { TINI_VERBOSITY: '2', DUMB_INIT_DEBUG: '1' }, { verbosity: 2 }], // TINI_* beats DUMB_INIT_*
  ])('%j with %j: %j', (flags, env, expected) => {
    expect(parse([...flags, 'true'], env)).toMatchObject(expected);
  });

  it('never reads a variable that a flag overrides, so a bad one there is no error', () => {
    expect(parse(['-v', 'true'], { TSINIT_VERBOSITY: 'loud' }).verbosity).toBe(2);
    expect(parse(['-s', 'true'], { TSINIT_SUBREAPER: 'maybe' }).subreaper).toBe(true);
    expect(parse(['-g', 'true'], { TSINIT_KILL_PROCESS_GROUP: 'maybe' }).singleChild).toBe(false);
    expect(parse(['--timeout', '1s', 'true'], { TSINIT_TIMEOUT: 'soon' }).timeoutMs).toBe(1000);
    expect(parse(['--restart', 'no', 'true'], { TSINIT_RESTART: 'sometimes' }).restart).toEqual({ when: 'no', max: 0 });
  });

  it('takes TSINIT_TIMEOUT=0 as no timeout', () => {
    expect(parse(['true'], { TSINIT_TIMEOUT: '0' }).timeoutMs).toBeUndefined();
    expect(parse(['true'], { TSINIT_TIMEOUT: '0ms' }).timeoutMs).toBeUndefined();
  });

  it.each([
    [{ TSINIT_TIMEOUT: 'soon' }, 'bad duration for TSINIT_TIMEOUT: soon (want e.g. 500ms, 10s, 2m)'],
    [{ TSINIT_DELAY: 'TERM:5s,HUP' }, 'bad delay for TSINIT_DELAY: HUP (want SIGNAL:DURATION, e.g. TERM:5s)'],
    [{ TSINIT_DELAY: 'KILL:1s' }, 'bad signal for TSINIT_DELAY: KILL (tsinit never forwards SIGKILL)'],
    [{ TSINIT_RESTART: 'sometimes' }, 'bad restart policy for TSINIT_RESTART: sometimes (want no, on-failure[:N] or always[:N])'],
  ])('names the variable a bad value came from: %j', (env, message) => {
    expect(() => parse(['true'], env)).toThrow(UsageError);
    expect(() => parse(['true'], env)).toThrow(new UsageError(message));
  });
});

describe('the one check of settings, for the command line and run() alike', () => {
  it.each([
    [{ successCodes: [256] }, 'successCodes must be exit codes from 0 to 255, not 256'],
    [{ parentDeathSignal: 'NOPE' }, 'parentDeathSignal must be a signal name or number, not NOPE'],
    [{ rewrites: [['TERM', 99]] as [unknown, unknown][] }, 'rewrites must be a signal name or number, not 99'],
    [{ graceMs: 2 ** 31 }, 'graceMs must be a number of milliseconds from 0 to 2147483647 (about 24 days, what a timer holds), not 2147483648'],
    [{ newSession: 1 }, 'newSession must be a boolean, not 1'],
    [{ delays: [['TERM', -1]] as [unknown, unknown][] }, 'delays must be a number of milliseconds from 0 to 2147483647 (about 24 days, what a timer holds), not -1'],
    [{ restart: 'on-failure:-1' }, 'restart must be no, on-failure[:N] or always[:N], not on-failure:-1'],
    [{ delays: [['KILL', 1000]] as [unknown, unknown][] }, 'delays must be a signal tsinit forwards, not KILL (tsinit never forwards SIGKILL)'],
    [{ rewrites: [[17, 'TERM']] as [unknown, unknown][] }, 'rewrites must be a signal tsinit forwards, not 17 (tsinit never forwards SIGCHLD)'],
  ])('refuses %j', (given, message) => {
    expect(() => normaliseSettings(given, 5000, REALTIME)).toThrow(SettingError);
    expect(() => normaliseSettings(given, 5000, REALTIME)).toThrow(expect.objectContaining({ message })); // the exact words
  });

  it('turns names, numbers and drops into what the lifecycle acts on', () => {
    expect(normaliseSettings({ rewrites: [['TERM', 'QUIT'], ['RTMIN+1', 0]], successCodes: [0, 143], parentDeathSignal: 'SIGUSR2' }, 5000, REALTIME)).toEqual({
      singleChild: false,
      newSession: false,
      subreaper: false,
      warnOnReap: false,
      remapToZero: new Set([0, 143]),
      parentDeathSignal: 12,
      rewrites: new Map([[15, 3], [35, 0]]),
      graceMs: 5000,
      killAfterMs: undefined,
      timeoutMs: undefined,
      delays: new Map(),
      restart: { when: 'no', max: 0 },
      workers: undefined,
      listen: [],
    });
  });

  it('takes a timeout of 0 as none, for run() too', () => {
    expect(normaliseSettings({ timeoutMs: 0 }, 5000, REALTIME).timeoutMs).toBeUndefined();
    expect(normaliseSettings({ timeoutMs: 0.4 }, 5000, REALTIME).timeoutMs).toBeUndefined();
    expect(normaliseRunOptions({ command: ['true'], timeoutMs: 0 }, REALTIME).lifecycle.timeoutMs).toBeUndefined();
  });

  it('refuses in run() what can never act, naming the field', () => {
    expect(() => normaliseRunOptions({ command: ['true'], delays: { SIGKILL: 1000 } }, REALTIME)).toThrow(TypeError);
    expect(() => normaliseRunOptions({ command: ['true'], delays: { SIGKILL: 1000 } }, REALTIME)).toThrow(
      new TypeError('run: delays must be a signal tsinit forwards, not SIGKILL (tsinit never forwards SIGKILL)'),
    );
    expect(() => normaliseRunOptions({ command: ['true'], rewrite: { CHLD: 'TERM' } }, REALTIME)).toThrow(
      new TypeError('run: rewrite must be a signal tsinit forwards, not CHLD (tsinit never forwards SIGCHLD)'),
    );
  });
});

describe('--workers N|auto and --listen [NAME=]ADDR (worker pools)', () => {
  const POOL_RESTART = { when: 'on-failure', max: 100 };
  it.each([
    [['--workers', '4'], {}, { workers: { count: 4, from: '--workers' }, restart: POOL_RESTART }], // tornado's budget
    [['--workers=1'], {}, { workers: { count: 1, from: '--workers' }, restart: POOL_RESTART }],
    [['--workers', '1024'], {}, { workers: { count: 1024, from: '--workers' } }],
    [['--workers', '007'], {}, { workers: { count: 7, from: '--workers' } }],
    [['--workers', 'auto'], {}, { workers: { count: 3, from: 'cgroup v2 cpu.max 250000 100000' }, restart: POOL_RESTART }], // resolved at parse time
    [['--workers', '2', '--restart', 'always:5'], {}, { workers: { count: 2, from: '--workers' }, restart: { when: 'always', max: 5 } }],
    [['--workers', '2', '--restart', 'no'], {}, { restart: { when: 'no', max: 0 } }],
    [['--workers', '2'], { TSINIT_RESTART: 'on-failure:3' }, { restart: { when: 'on-failure', max: 3 } }],
    [[], { TSINIT_WORKERS: '3' }, { workers: { count: 3, from: 'TSINIT_WORKERS' }, restart: POOL_RESTART }],
    [[], { TSINIT_WORKERS: 'auto' }, { workers: { count: 3, from: 'cgroup v2 cpu.max 250000 100000' } }],
    [['--workers', '5'], { TSINIT_WORKERS: 'many' }, { workers: { count: 5, from: '--workers' } }], // flags beat it, unread
    [[], {}, { workers: undefined, listen: [], restart: { when: 'no', max: 0 } }],
    [['--restart', 'on-failure'], {}, { workers: undefined, restart: { when: 'on-failure', max: Infinity } }],
  ])('%j with %j: %j', (flags, env, expected) => {
    expect(parse([...flags, 'true'], env)).toMatchObject(expected);
  });

  it("caps auto at the addon's 1024 targets", () => {
    const many = parseOptions(['--workers', 'auto', 'true'], {}, REALTIME, { cpus: () => ({ count: 4096, from: 'available CPUs' }) });
    expect(many.workers).toEqual({ count: 1024, from: 'available CPUs (4096, at most 1024)' });
  });

  it.each([
    [['tcp:0.0.0.0:8080'], [{ kind: 'tcp', name: 'tcp-0.0.0.0-8080', host: '0.0.0.0', port: 8080, text: 'tcp:0.0.0.0:8080' }]],
    [['http=tcp:[::]:80'], [{ kind: 'tcp', name: 'http', host: '::', port: 80, text: 'tcp:[::]:80' }]],
    [['tcp:[::1]:65535'], [{ kind: 'tcp', name: 'tcp-[--1]-65535', host: '::1', port: 65535, text: 'tcp:[::1]:65535' }]],
    [['tcp:[::ffff:127.0.0.1]:1'], [{ kind: 'tcp', name: 'tcp-[--ffff-127.0.0.1]-1', host: '::ffff:127.0.0.1', port: 1, text: 'tcp:[::ffff:127.0.0.1]:1' }]],
    [['unix:app.sock'], [{ kind: 'unix', name: 'unix-app.sock', path: '/srv/app/app.sock', text: 'unix:app.sock' }]], // absolute now: tsinit leaves its directory
    [['sock=unix:../run/x.sock'], [{ kind: 'unix', name: 'sock', path: '/srv/run/x.sock', text: 'unix:../run/x.sock' }]],
    [['unix:/run/a=b.sock'], [{ kind: 'unix', name: 'unix-/run/a=b.sock', path: '/run/a=b.sock', text: 'unix:/run/a=b.sock' }]], // an '=' after the ':' is the path's
    [['A.b_c-9=tcp:127.0.0.1:1', 'x=unix:/x'], [{ name: 'A.b_c-9', port: 1 }, { name: 'x', path: '/x' }]],
    [['n=tcp:127.0.0.1:80', 'n=tcp:127.0.0.1:81'], [{ name: 'n' }, { name: 'n' }]], // systemd allows a name twice
    [[`${'n'.repeat(255)}=tcp:127.0.0.1:80`], [{ name: 'n'.repeat(255) }]],
    [['tcp:0.0.0.0:80', 'tcp:[::]:80'], [{ host: '0.0.0.0' }, { host: '::' }]], // two sockets: the kernel may refuse the pair
  ])('--listen %j', (words, expected) => {
    const argv = words.flatMap((word) => ['--listen', word]);
    expect(parse([...argv, 'true']).listen).toMatchObject(expected);
    expect(parse([...argv, 'true']).listen).toHaveLength(expected.length);
  });

  it('reads TSINIT_LISTEN (addresses joined by commas); flags beat it, unread', () => {
    expect(parse(['true'], { TSINIT_LISTEN: 'web=tcp:0.0.0.0:8080,unix:/run/app.sock' }).listen).toEqual([
      { kind: 'tcp', name: 'web', host: '0.0.0.0', port: 8080, text: 'tcp:0.0.0.0:8080' },
      { kind: 'unix', name: 'unix-/run/app.sock', path: '/run/app.sock', text: 'unix:/run/app.sock' },
    ]);
    expect(parse(['--listen', 'tcp:127.0.0.1:9', 'true'], { TSINIT_LISTEN: 'tcp:nowhere:0' }).listen).toMatchObject([{ port: 9 }]);
  });

  it.each([
    [['--workers', '0'], {}, 'bad worker count for --workers: 0 (want 1-1024 or auto)'],
    [['--workers', '00'], {}, 'bad worker count for --workers: 00 (want 1-1024 or auto)'], // as typed
    [['--workers', '1025'], {}, 'bad worker count for --workers: 1025 (want 1-1024 or auto)'],
    [['--workers', '-1'], {}, 'bad worker count for --workers: -1 (want 1-1024 or auto)'],
    [['--workers', '1.5'], {}, 'bad worker count for --workers: 1.5 (want 1-1024 or auto)'],
    [['--workers', 'AUTO'], {}, 'bad worker count for --workers: AUTO (want 1-1024 or auto)'],
    [['--workers', ''], {}, 'bad worker count for --workers:  (want 1-1024 or auto)'],
    [['--workers', '99999999999999999999'], {}, 'bad worker count for --workers: 99999999999999999999 (want 1-1024 or auto)'],
    [[], { TSINIT_WORKERS: 'many' }, 'bad worker count for TSINIT_WORKERS: many (want 1-1024 or auto)'],
    [['--listen', 'tcp:localhost:80'], {}, 'bad address for --listen: tcp:localhost:80 (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'],
    [['--listen', 'tcp:::1:80'], {}, 'bad address for --listen: tcp:::1:80 (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'], // IPv6 takes brackets
    [['--listen', 'tcp:[1.2.3.4]:80'], {}, 'bad address for --listen: tcp:[1.2.3.4]:80 (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'],
    [['--listen', 'tcp:[fe80::1%eth0]:80'], {}, 'bad address for --listen: tcp:[fe80::1%eth0]:80 (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'],
    [['--listen', 'tcp:127.1:80'], {}, 'bad address for --listen: tcp:127.1:80 (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'],
    [['--listen', 'tcp:256.0.0.1:80'], {}, 'bad address for --listen: tcp:256.0.0.1:80 (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'],
    [['--listen', 'tcp:1.2.3.4'], {}, 'bad address for --listen: tcp:1.2.3.4 (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'],
    [['--listen', 'tcp::80'], {}, 'bad address for --listen: tcp::80 (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'],
    [['--listen', 'udp:1.2.3.4:53'], {}, 'bad address for --listen: udp:1.2.3.4:53 (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'],
    [['--listen', '8080'], {}, 'bad address for --listen: 8080 (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'],
    [['--listen', 'unix:'], {}, 'bad address for --listen: unix: (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'],
    [['--listen', 'a:b=tcp:1.2.3.4:80'], {}, 'bad address for --listen: a:b=tcp:1.2.3.4:80 (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'], // a name has no ':'
    [['--listen', 'tcp:0.0.0.0:0'], {}, 'bad port for --listen: tcp:0.0.0.0:0 (want 1-65535)'],
    [['--listen', 'tcp:0.0.0.0:65536'], {}, 'bad port for --listen: tcp:0.0.0.0:65536 (want 1-65535)'],
    [['--listen', 'tcp:[::]:http'], {}, 'bad port for --listen: tcp:[::]:http (want 1-65535)'],
    [['--listen', 'tcp:[::]:'], {}, 'bad port for --listen: tcp:[::]: (want 1-65535)'],
    [['--listen', 'tcp:1.2.3.4:+80'], {}, 'bad port for --listen: tcp:1.2.3.4:+80 (want 1-65535)'],
    [['--listen', 'my web=tcp:1.2.3.4:80'], {}, "bad name for --listen: my web (want letters, digits, '_', '.' and '-', at most 255)"],
    [['--listen', 'wéb=tcp:1.2.3.4:80'], {}, "bad name for --listen: wéb (want letters, digits, '_', '.' and '-', at most 255)"],
    [['--listen', '=tcp:1.2.3.4:80'], {}, "bad name for --listen:  (want letters, digits, '_', '.' and '-', at most 255)"],
    [['--listen', `${'n'.repeat(256)}=tcp:1.2.3.4:80`], {}, `bad name for --listen: ${'n'.repeat(256)} (want letters, digits, '_', '.' and '-', at most 255)`],
    [['--listen', `unix:${'d'.repeat(100)}`], {}, `unix socket path too long for --listen: unix:${'d'.repeat(100)} (at most 107 bytes once absolute)`], // 109 once under /srv/app
    [['--listen', 'tcp:[::]:80', '--listen', 'tcp:[0::0]:80'], {}, 'same address twice for --listen: tcp:[0::0]:80 (given before as tcp:[::]:80)'],
    [['--listen', 'a=tcp:1.2.3.4:80', '--listen', 'b=tcp:1.2.3.4:80'], {}, 'same address twice for --listen: tcp:1.2.3.4:80 (given before as tcp:1.2.3.4:80)'],
    [['--listen', 'unix:/srv/app/s', '--listen', 'unix:s'], {}, 'same address twice for --listen: unix:s (given before as unix:/srv/app/s)'],
    [[], { TSINIT_LISTEN: 'tcp:0.0.0.0:80,tcp:0.0.0.0:80' }, 'same address twice for TSINIT_LISTEN: tcp:0.0.0.0:80 (given before as tcp:0.0.0.0:80)'],
    [[], { TSINIT_LISTEN: 'tcp:0.0.0.0:80,' }, 'bad address for TSINIT_LISTEN:  (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'],
    [[], { TSINIT_LISTEN: 'tcp:0.0.0.0:80000' }, 'bad port for TSINIT_LISTEN: tcp:0.0.0.0:80000 (want 1-65535)'],
  ])('%j with %j is a usage error: %s', (flags, env, message) => {
    expect(() => parse([...flags, 'true'], env)).toThrow(UsageError); // the CLI's exit 2
    expect(() => parse([...flags, 'true'], env)).toThrow(new UsageError(message)); // the exact words
  });

  it('counts the CPUs only for auto, and resolves unix paths against the directory of the parse', () => {
    let counted = 0;
    const cpus = () => ((counted += 1), { count: 2, from: 'available CPUs' });
    parseOptions(['--workers', '2', 'true'], {}, REALTIME, { cpus });
    expect(counted).toBe(0);
    expect(parseOptions(['--listen', 'unix:s', 'true'], {}, REALTIME).listen).toMatchObject([{ path: `${process.cwd()}/s` }]);
  });

  it('run() takes workers and listen in the same grammar; refusals are TypeErrors naming the field', () => {
    const run = (options: object) => normaliseRunOptions({ command: ['true'], ...options }, REALTIME, SOURCES).lifecycle;
    expect(run({ workers: 4 })).toMatchObject({ workers: { count: 4, from: 'run() workers' }, restart: { when: 'on-failure', max: 100 } });
    expect(run({ workers: 'auto', restart: 'always:2' })).toMatchObject({ workers: { count: 3, from: 'cgroup v2 cpu.max 250000 100000' }, restart: { when: 'always', max: 2 } });
    expect(run({})).toMatchObject({ workers: undefined, listen: [], restart: { when: 'no', max: 0 } });
    expect(run({ listen: ['web=tcp:[::]:8080', 'unix:s'] }).listen).toEqual([
      { kind: 'tcp', name: 'web', host: '::', port: 8080, text: 'tcp:[::]:8080' },
      { kind: 'unix', name: 'unix-s', path: '/srv/app/s', text: 'unix:s' },
    ]);
    for (const [options, message] of [
      [{ workers: 0 }, "run: workers must be an integer from 1 to 1024 or 'auto', not 0"],
      [{ workers: 2.5 }, "run: workers must be an integer from 1 to 1024 or 'auto', not 2.5"],
      [{ workers: '4' }, "run: workers must be an integer from 1 to 1024 or 'auto', not 4"],
      [{ workers: 1025 }, "run: workers must be an integer from 1 to 1024 or 'auto', not 1025"],
      [{ listen: 'tcp:0.0.0.0:80' }, 'run: listen must be an array of addresses'],
      [{ listen: [80] }, 'run: listen must be tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH, not 80'],
      [{ listen: ['tcp:localhost:80'] }, 'run: listen must be tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH, not tcp:localhost:80'],
      [{ listen: ['tcp:[::]:0'] }, 'run: listen must be an address whose port is from 1 to 65535, not tcp:[::]:0'],
      [{ listen: ['a b=unix:/s'] }, "run: listen must be a name of letters, digits, '_', '.' and '-', at most 255, not a b"],
      [{ listen: ['unix:/s', 'unix:/s'] }, 'run: listen must be each address once, not unix:/s (given before as unix:/s)'],
    ] as const) {
      expect(() => run(options)).toThrow(new TypeError(message));
    }
  });

  it('--help shows every option of the table and the new variables', () => {
    for (const spec of OPTION_TABLE) expect(HELP).toContain('long' in spec ? `--${spec.long}` : `-${spec.short}`);
    expect(HELP).toMatch(/--workers N\|auto .*\n(.*\n)*.*default --restart on-failure:100/);
    expect(HELP).toContain("NAME defaults to ADDR with\n                        each ':' made '-'");
    expect(HELP).toMatch(/TSINIT_WORKERS,\s+TSINIT_LISTEN \(addresses joined by commas\)/);
  });
});
