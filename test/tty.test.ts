import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { descendantsOf, readProcess, type ProcessInfo } from '../src/platform/process-tree';
import { AS_PID_1, CLI, RECORDER, startCommand, waitFor, type Started } from './helpers';

// `script` gives its command a real pseudo-terminal; what we write to its stdin is typed there.
const inTerminal = (command: string) => startCommand(['script', '-qfec', command, '/dev/null']);
const lines = (started: Started) => started.stdout().split(/\r?\n/);
// The recorder's lines, less the terminal's echo of ^C.
const recorded = (started: Started) => lines(started).flatMap((line) => /^(?:\^C)?(\d+)$/.exec(line)?.[1] ?? []);
const named = (root: number, name: string) => () => descendantsOf(root).find((info) => info.name === name);
const isForeground = (info: ProcessInfo | undefined) => info !== undefined && readProcess(info.pid)?.tpgid === info.pgrp;
const state = (info: ProcessInfo) => readProcess(info.pid)?.state;

describe('under a terminal', () => {
  it('makes the command the foreground group, so Ctrl-C reaches it once', async () => {
    const terminal = inTerminal([...AS_PID_1, '--', ...RECORDER].join(' '));
    try {
      await waitFor('the recorder to be ready', () => lines(terminal).includes('ready'));
      const tsinit = await waitFor('tsinit', named(terminal.child.pid!, 'tsinit'));
      const command = await waitFor('the command', named(tsinit.pid, 'python3'));
      expect(isForeground(command)).toBe(true);
      expect(command.pgrp).not.toBe(tsinit.pgrp);
      terminal.child.stdin!.write('\x03');
      await waitFor('SIGINT to reach the command', () => recorded(terminal).includes(String(constants.signals.SIGINT)));
      process.kill(tsinit.pid, 'SIGUSR2'); // a marker: anything tsinit forwarded arrives before it
      await waitFor('the marker', () => recorded(terminal).includes(String(constants.signals.SIGUSR2)));
      expect(recorded(terminal)).toEqual(['2', '12']);
    } finally {
      terminal.child.kill('SIGKILL');
      await terminal.closed;
    }
  });

  it('a pool leaves the terminal to tsinit: Ctrl-C reaches every worker through it, none restarts, 130', async () => {
    // Given to each worker in turn, the terminal would be the last one's: its ^C alone, restarted.
    const terminal = inTerminal([...AS_PID_1, '-v', '--workers', '2', '--', 'sleep', '30'].join(' '));
    try {
      const tsinit = await waitFor('tsinit', named(terminal.child.pid!, 'tsinit'));
      await waitFor('both workers', () => descendantsOf(tsinit.pid).filter((info) => info.name === 'sleep').length === 2);
      expect(isForeground(tsinit)).toBe(true);
      terminal.child.stdin!.write('\x03');
      await waitFor('tsinit to end', () => terminal.stdout().includes('[tsinit] exiting with code'));
      expect(terminal.stdout()).toContain('[tsinit] exiting with code 130');
      expect(terminal.stdout()).not.toContain('starts again');
    } finally {
      terminal.child.kill('SIGKILL');
      await terminal.closed;
    }
  });

  it('writes its log while the command owns a `stty tostop` terminal, instead of spinning on SIGTTOU', async () => {
    // Under `set -m` the job is tsinit's group; once the command's group owns the terminal,
    // tsinit's own writes to it raise SIGTTOU, which it must ignore (as tini) for them to pass.
    const init = [...AS_PID_1, '-v', '--', 'sh', '-c', "'sleep 0.3'"].join(' ');
    const terminal = inTerminal(`sh -c "set -m; stty tostop; ${init}; echo status=\\$?"`);
    try {
      await waitFor('tsinit to finish', () => terminal.stdout().includes('status='));
      expect(terminal.stdout()).toContain('[tsinit] sh (pid');
      expect(terminal.stdout()).toContain('[tsinit] exiting with code 0');
      expect(terminal.stdout()).toContain('status=0');
    } finally {
      terminal.child.kill('SIGKILL');
      await terminal.closed;
    }
  });

  it('--setsid gives the command the terminal as its controlling terminal, as dumb-init does', async () => {
    // tsinit leads its session with the terminal as controlling terminal, as PID 1 of
    // `docker run -it` does; it must let the terminal go for the command's new session to take it.
    const script = `trap "echo got HUP" HUP; cat /proc/self/stat; sleep 0.3`;
    const command = [...AS_PID_1.slice(0, 4), 'setsid', '--ctty', ...AS_PID_1.slice(4), '--setsid', '--', 'sh', '-c', `'${script}'`].join(' ');
    const terminal = inTerminal(command);
    try {
      const stat = await waitFor('the command to report', () => /^\d+ \(cat\) .*$/m.exec(terminal.stdout())?.[0]);
      const [pid, , , , pgrp, session, ttyNr, tpgid] = stat.split(' ');
      expect(Number(ttyNr)).not.toBe(0);
      expect(tpgid).toBe(pgrp); // the command's group is the terminal's foreground group
      expect(session).toBe(pgrp);
      expect(pid).not.toBe(pgrp);
      expect((await terminal.closed).code).toBe(0);
      expect(terminal.stdout()).not.toContain('got HUP'); // the kernel's SIGHUP was tsinit's own
    } finally {
      terminal.child.kill('SIGKILL');
    }
  });

  it('is not suspended by a command stopped from elsewhere (SIGSTOP), and exits with its status', async () => {
    const terminal = inTerminal(`${process.execPath} ${CLI} -vv -- sleep 30; echo status=$?`);
    try {
      const tsinit = await waitFor('tsinit', named(terminal.child.pid!, 'tsinit'));
      const command = await waitFor('the command', named(tsinit.pid, 'sleep'));
      process.kill(command.pid, 'SIGSTOP');
      await waitFor('the command to be stopped', () => state(command) === 'T');
      process.kill(tsinit.pid, 'SIGWINCH'); // handled after the stop's SIGCHLD, unless tsinit stopped too
      await waitFor('tsinit to go on', () => terminal.stdout().includes('SIGWINCH forwarded'));
      expect(state(tsinit)).not.toBe('T');
      process.kill(command.pid, 'SIGCONT');
      process.kill(command.pid, 'SIGTERM');
      await waitFor('tsinit to exit with the status', () => terminal.stdout().includes('status=143'));
    } finally {
      terminal.child.kill('SIGKILL');
      await terminal.closed;
    }
  });

  it('does job control under an interactive shell: Ctrl-Z suspends, fg resumes', async () => {
    const shell = inTerminal('bash --norc --noprofile -i');
    const type = (text: string) => shell.child.stdin!.write(text);
    try {
      type(`${process.execPath} ${CLI} -- sh -c 'read line; echo "got $line"; exit 7'\n`);
      const tsinit = await waitFor('tsinit', named(shell.child.pid!, 'tsinit'));
      const command = await waitFor('the command in the foreground', () => {
        const found = named(tsinit.pid, 'sh')();
        return isForeground(found) ? found : undefined;
      });

      type('\x1a'); // Ctrl-Z
      await waitFor('the command and tsinit to be stopped', () => state(command) === 'T' && state(tsinit) === 'T');
      await waitFor('the shell to report the job stopped', () => /Stopped/.test(shell.stdout()));

      type('fg\n');
      await waitFor('the command to run in the foreground again', () => state(command) !== 'T' && isForeground(command));
      type('hello\n');
      await waitFor('the command to finish', () => shell.stdout().includes('got hello\r\n'));
      type('echo "status=$?"\n');
      await waitFor('the exit status', () => shell.stdout().includes('status=7\r\n'));
      type('exit\n');
      expect((await shell.closed).code).toBe(0);
    } finally {
      shell.child.kill('SIGKILL');
    }
  });
});
