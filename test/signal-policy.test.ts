import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GRACE_MS, normaliseSettings, type GivenSettings } from '../src/config/settings';
import { forwardableSignals } from '../src/platform/signals';
import { fastPathPlan } from '../src/supervisor/signal-policy';
import { REALTIME } from './supervisor-harness';

const { SIGCHLD, SIGCONT, SIGHUP, SIGINT, SIGSEGV, SIGSTOP, SIGTERM, SIGTSTP, SIGUSR1, SIGUSR2 } = constants.signals;
const SIGNALS = forwardableSignals(REALTIME);

// The one signal policy, compiled for the addon: what the handler forwards by itself (as what),
// and what comes to JS because its verdict needs state.
function plan(given: GivenSettings, { foreground = false, swallow = [] as number[], exit = false } = {}) {
  const settings = normaliseSettings(given, DEFAULT_GRACE_MS, REALTIME);
  return fastPathPlan(SIGNALS, [42], swallow, settings, { foreground }, { report: false, reapOrphans: true, exit });
}
const toJs = (forwardAs: number[]) => SIGNALS.filter((signal) => forwardAs[signal] === 0).sort((a, b) => a - b);

describe('the fast path compiled from the signal policy', () => {
  it("forwards every signal tsinit forwards as itself, faults and real-time ones included; SIGCHLD stays the reaper's", () => {
    const { forwardAs, targets, group } = plan({});
    expect([targets, group]).toEqual([[42], true]);
    for (const signal of SIGNALS) expect(forwardAs[signal]).toBe(signal);
    expect(forwardAs[SIGSEGV]).toBe(SIGSEGV);
    expect(forwardAs[64]).toBe(64);
    expect([toJs(forwardAs), forwardAs[SIGCHLD]]).toEqual([[], 0]);
  });

  it('applies -r: a rewrite, and a drop as -1', () => {
    const { forwardAs } = plan({ rewrites: [['TERM', 'USR1'], ['HUP', 0]] });
    expect([forwardAs[SIGTERM], forwardAs[SIGHUP]]).toEqual([SIGUSR1, -1]);
  });

  it.each<[string, GivenSettings, Parameters<typeof plan>[1], number[]]>([
    ['--delay TERM (and SIGINT, which releases what is held)', { delays: [['TERM', 5000]] }, {}, [SIGTERM, SIGINT]],
    ['--kill-after (what is sent as TERM or INT arms it)', { killAfterMs: 100, rewrites: [['USR2', 'TERM']] }, {}, [SIGINT, SIGTERM, SIGUSR2]],
    ['--restart (SIGTERM and SIGINT end the restarts)', { restart: 'on-failure' }, {}, [SIGINT, SIGTERM]],
    ['a terminal (SIGCONT gives it back)', {}, { foreground: true }, [SIGCONT]],
    ['--setsid (TSTP stops tsinit too)', { newSession: true }, {}, [SIGTSTP]],
    ['signals the kernel sends once for giving up the terminal', {}, { swallow: [SIGHUP, SIGCONT] }, [SIGHUP, SIGCONT]],
  ])('leaves to JS what needs state: %s', (_, given, facts, expected) => {
    expect(toJs(plan(given, facts).forwardAs)).toEqual([...expected].sort((a, b) => a - b));
  });

  it("hands the exit policy over as tables: 128+n, -e's codes as 0; none while restarts are JS's question", () => {
    const { exit } = plan({ successCodes: [3, 143] }, { exit: true });
    expect(exit!.exitCodes.slice(0, 5)).toEqual([0, 1, 2, 0, 4]);
    expect([exit!.signalCodes[SIGTERM], exit!.signalCodes[SIGSTOP], exit!.always]).toEqual([0, 128 + SIGSTOP, false]);
    expect(plan({ graceMs: 0 }, { exit: true }).exit!.always).toBe(true);
    expect(plan({ restart: 'always' }, { exit: true }).exit).toBeUndefined();
    expect(plan({}).exit).toBeUndefined();
  });
});
