import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, initPidOf, startInit, waitFor } from './helpers';

describe('--log-format json', () => {
  it('writes one JSON object per lifecycle event on stderr', async () => {
    // CMD leaves a daemon and an orphan, exits 9 on SIGUSR2; tsinit rewrites SIGUSR1 into SIGUSR2.
    const script = `setsid -f sh ${path.join(FIXTURES, 'leftover.sh')} polite; (true &); trap 'exit 9' USR2; echo ready; while :; do sleep 0.05; done`;
    const init = startInit(['--log-format', 'json', '-vv', '-r', 'USR1:USR2', '--', 'sh', '-c', script]);
    await waitFor('the command and its daemon', () => /(?=[^]*\bready\n)(?=[^]*leftover ready\n)/.test(init.stdout()));
    await waitFor('the orphan to be reaped', () => init.stderr().includes('"orphan-reaped"'));
    process.kill(await initPidOf(init), 'SIGUSR1');
    expect((await init.closed).code).toBe(9);

    // CMD shares stderr: dash reports its sleep killed by the forwarded SIGUSR2 there.
    const ours = init.stderr().split('\n').filter((line) => line.startsWith('{'));
    const events = ours.map((line) => JSON.parse(line));
    expect(init.stderr()).not.toMatch(/\[tsinit\]/);
    for (const event of events) {
      expect(event).toMatchObject({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: expect.any(String), message: expect.any(String) });
    }
    const byName = (name: string) => events.find((event) => event.event === name);
    expect(events.map((event) => event.event)).toEqual(
      expect.arrayContaining(['spawned', 'orphan-reaped', 'signal-forwarded', 'child-exited', 'shutdown', 'leftover-ended', 'exit']),
    );
    expect(byName('spawned')).toMatchObject({ pid: expect.any(Number), command: ['sh', '-c', script] });
    expect(byName('orphan-reaped')).toMatchObject({ pid: expect.any(Number), name: 'sh', exitCode: 0, signal: null });
    expect(byName('signal-forwarded')).toMatchObject({ received: 'SIGUSR1', signal: 'SIGUSR2' });
    expect(byName('child-exited')).toMatchObject({ exitCode: 9 });
    expect(byName('shutdown')).toMatchObject({ pids: expect.any(Array), graceMs: 5000 });
    expect(byName('leftover-ended')).toMatchObject({ name: 'sh', exitCode: 0 });
    expect(events.at(-1)).toMatchObject({ event: 'exit', exitCode: 9 });
  });
});
