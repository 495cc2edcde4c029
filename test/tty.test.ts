import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { descendantsOf, readProcess, type ProcessInfo } from '../src/process-tree';
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
