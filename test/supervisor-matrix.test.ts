import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GivenSettings } from '../src/config/settings';
import { SIGKILL, SIGTERM, startSupervisor } from './supervisor-harness';

// --restart x --timeout x --delay x --kill-after, each combination through two stories on the
// fake kernel: a `docker stop` of a command that ignores SIGTERM, and a command that keeps
// crashing. Each expectation is worked out by hand from the options; every combination must end,
// with nothing left running and no timer left armed.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const GRACE_MS = 500;
const combinations = [false, true].flatMap((restart) =>
  [false, true].flatMap((timeout) => [false, true].flatMap((delay) => [false, true].map((killAfter) => ({ restart, timeout, delay, killAfter })))),
);
const named = ({ restart, timeout, delay, killAfter }: (typeof combinations)[number]) =>
  [restart && '--restart', timeout && '--timeout', delay && '--delay', killAfter && '--kill-after'].filter(Boolean).join(' ') || 'no options';

function settingsOf({ restart, delay, killAfter }: (typeof combinations)[number], timeoutMs: number): GivenSettings {
  return {
    graceMs: GRACE_MS,
    restart: restart ? 'on-failure:2' : undefined,
    delays: delay ? [['TERM', 300]] : [],
    killAfterMs: killAfter ? 200 : undefined,
    timeoutMs: timeoutMs || undefined,
  };
}

describe.each(combinations.map((combination) => [named(combination), combination] as const))('%s', (_, combination) => {
  it('docker stop of a command that ignores SIGTERM', async () => {
    // The command ignores SIGTERM and ends by itself with 0 at 3 s, if nothing ended it before.
    const init = startSupervisor(settingsOf(combination, combination.timeout ? 1000 : 0), {
      before: (native) => {
        native.onSpawn = (p) => {
          p.ignores.add(SIGTERM);
          setTimeout(() => p.state === 'R' && native.end(p.pid, { exitCode: 0, signal: null }), 3000);
        };
      },
    });
    await init.settle();
    const command = init.command();
    init.native.deliver(SIGTERM);
    const forwardAt = combination.delay ? 300 : 0;
    const [code, endsAt] = combination.killAfter ? [128 + SIGKILL, forwardAt + 200] : combination.timeout ? [124, 1000 + GRACE_MS] : [0, 3000];
    await init.settle(endsAt - 1);
    expect(init.code()).toBeUndefined();
    await init.settle(1);
    await init.exited;
    expect(init.code()).toBe(code);
    expect(command.received[0]).toBe(SIGTERM);
    expect(init.spawns()).toBe(1); // a SIGTERM ends the restarts
    expect(init.native.alive()).toEqual([]);
    expect(vi.getTimerCount()).toBe(combination.killAfter || combination.timeout ? 1 : 0); // only the command's own 3 s
  });

  it('a command that keeps crashing', async () => {
    // Each run exits 1 after 50 ms. With --restart: runs at 0, 150 (back-off 100) and 400 (200);
    // a timeout of 300 ms fires in the second back-off.
    const init = startSupervisor(settingsOf(combination, combination.timeout ? 300 : 0), {
      before: (native) => (native.onSpawn = (p) => setTimeout(() => native.end(p.pid, { exitCode: 1, signal: null }), 50)),
    });
    await init.settle(5000);
    await init.exited;
    const [code, spawns] = !combination.restart ? [1, 1] : combination.timeout ? [124, 2] : [1, 3];
    expect([init.code(), init.spawns()]).toEqual([code, spawns]);
    expect(init.native.alive()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
