import { describe, expect, it } from 'vitest';
import { parseOptions, UsageError } from '../src/cli/options';
import { normaliseRunOptions } from '../src/config/run-options';
import { normaliseSettings, SettingError } from '../src/config/settings';

const REALTIME: [number, number] = [34, 64];
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseOptions(argv, env, REALTIME);

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
