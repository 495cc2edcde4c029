// One Node-API function per syscall: expected errno come back as data, unexpected ones throw.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "exports.h"
#include "reaper.h"
#include "spawn.h"

// Older libc headers lack them; the numbers are the same on every architecture (Linux 5.1, 5.3).
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

extern char **environ;

// prctl(PR_SET_CHILD_SUBREAPER): orphans below us come to us, not to PID 1.
napi_value SetChildSubreaper(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool on;
  if (!get_args(env, info, 1, argv) || !get_bool(env, argv[0], "on", &on)) return NULL;
  if (prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0) != 0) return throw_errno(env, "prctl", errno);
  return NULL;
}

// prctl(PR_SET_PDEATHSIG) on the init itself: the signal arrives when our parent dies (tini -p).
napi_value SetParentDeathSignal(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t sig;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "signal", 0, NSIG - 1, &sig)) return NULL;
  if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0) return throw_errno(env, "prctl", errno);
  return NULL;
}

// tcsetpgrp(0, pgid) with SIGTTOU blocked in this thread, as a background group must.
// Returns 0, or the errno when stdin is no terminal of ours (ENOTTY, EPERM...).
napi_value SetForegroundGroup(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t pgid;
  sigset_t ttou, old;
  int err = 0;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "pgid", 0, INT_MAX_D, &pgid)) return NULL;
  sigemptyset(&ttou);
  sigaddset(&ttou, SIGTTOU);
  sigprocmask(SIG_BLOCK, &ttou, &old);
  if (tcsetpgrp(STDIN_FILENO, pgid) != 0) err = errno;
  sigprocmask(SIG_SETMASK, &old, NULL);
  return make_int(env, err);
}

// ioctl(0, TIOCNOTTY): gives up our controlling terminal, so a child in a new session can take
// it (dumb-init does the same). Returns 0 or the errno (ENOTTY when stdin is no terminal).
napi_value ReleaseTerminal(napi_env env, napi_callback_info info) {
  return make_int(env, ioctl(STDIN_FILENO, TIOCNOTTY) == 0 ? 0 : errno);
}

// sigaction(sig, NULL, &old): "default", "ignore" or "handler".
napi_value SignalDisposition(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t sig;
  struct sigaction old;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "signal", 1, NSIG - 1, &sig)) return NULL;
  if (sigaction(sig, NULL, &old) != 0) return throw_errno(env, "sigaction", errno);
  return make_disposition(env, &old);
}

// sigaction(sig, SIG_IGN or SIG_DFL): what Node cannot set. The init ignores SIGTTIN/SIGTTOU as
// tini does: with a handler, a write to a terminal it does not own (`stty tostop`) raises
// SIGTTOU, the handler returns and the write restarts, forever.
napi_value SetSignalIgnored(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t sig;
  bool ignored;
  struct sigaction action;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], "signal", 1, NSIG - 1, &sig) || !get_bool(env, argv[1], "ignored", &ignored))
    return NULL;
  memset(&action, 0, sizeof action);
  action.sa_handler = ignored ? SIG_IGN : SIG_DFL;
  if (sigaction(sig, &action, NULL) != 0) return throw_errno(env, "sigaction", errno);
  return NULL;
}

// memfd_create(name, 0): a file that lives only in memory and, without CLOEXEC, survives execve.
// The init's restart hands its state over in one (see node-options.ts).
napi_value MemfdCreate(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char name[64];
  size_t length;
  napi_valuetype type;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (napi_typeof(env, argv[0], &type) != napi_ok || type != napi_string) return throw_type_error(env, "name", "be a string");
  CHECK(napi_get_value_string_utf8(env, argv[0], name, sizeof name, &length));
  int fd = (int)syscall(SYS_memfd_create, name, 0);
  if (fd < 0) return throw_errno(env, "memfd_create", errno);
  return make_int(env, fd);
}

// setenv(3) with a value of bytes: an environment variable given back exactly as it came
// (process.env takes only text).
napi_value SetEnvironment(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char *name = get_c_string(env, argv[0]), *value = get_c_string(env, argv[1]);
  bool ok = name != NULL && value != NULL && name[0] != '\0' && strchr(name, '=') == NULL;
  int err = ok && setenv(name, value, 1) != 0 ? errno : 0;
  free(name);
  free(value);
  if (!ok) return throw_type_error(env, "setEnvironment's name and value", "be strings or Buffers without NUL (a name without '=')");
  return err == 0 ? NULL : throw_errno(env, "setenv", err);
}

// isatty(3): without loading Node's tty module, which costs 2 ms of start-up.
napi_value IsTerminal(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "fd", 0, INT_MAX_D, &fd)) return NULL;
  return make_bool(env, isatty(fd) == 1);
}

// _exit(2): the init's last act. Node's own exit tears the runtime down for milliseconds,
// and there is nothing to flush: every write of ours is synchronous.
napi_value Exit(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t code;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "code", 0, 255, &code)) return NULL;
  _exit(code);
}

// madvise(start, length, MADV_DONTNEED): the pages of a clean file mapping leave this process
// (the file's page cache keeps them) and come back on the next touch. Returns 0 or the errno.
napi_value ReleasePages(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double start, length;
  if (!get_args(env, info, 2, argv) || !get_integer(env, argv[0], "start", 0, ADDRESS_MAX_D, &start) ||
      !get_integer(env, argv[1], "length", 0, ADDRESS_MAX_D, &length))
    return NULL;
  return make_int(env, madvise((void *)(uintptr_t)start, (size_t)length, MADV_DONTNEED) == 0 ? 0 : errno);
}

// execve(2) with this process's environment and plain stdio: the init restarting itself.
// Throws on failure.
napi_value Execve(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char *file = get_c_string(env, argv[0]), **args = get_string_array(env, argv[1]);
  if (file == NULL || args == NULL || args[0] == NULL) {
    free(file);
    free_string_array(args);
    return throw_type_error(env, "execve's file and argv", "be a string or Buffer and a non-empty array of them");
  }
  plain_stdio();
  execve(file, args, environ);
  int err = errno;
  free(file);
  free_string_array(args);
  return throw_errno(env, "execve", err);
}

// kill(2): true when delivered, false when nobody is there (ESRCH).
napi_value Kill(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t pid, sig;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], "pid", INT_MIN_D + 1, INT_MAX_D, &pid) ||
      !get_int(env, argv[1], "signal", 0, NSIG - 1, &sig))
    return NULL;
  if (kill(pid, sig) == 0) return make_bool(env, true);
  return errno == ESRCH ? make_bool(env, false) : throw_errno(env, "kill", errno);
}

// pidfd_open(2): a handle on the process that a reused pid cannot redirect (close-on-exec).
// The fd, or -1 when the process is gone; ENOSYS (Linux before 5.3) throws, so JS falls back to kill.
napi_value PidfdOpen(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t pid;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "pid", 1, INT_MAX_D, &pid)) return NULL;
  int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (fd >= 0) return make_int(env, fd);
  return errno == ESRCH ? make_int(env, -1) : throw_errno(env, "pidfd_open", errno);
}

// pidfd_send_signal(2): true when delivered, false when the process has ended (ESRCH).
napi_value PidfdSendSignal(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd, sig;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], "fd", 0, INT_MAX_D, &fd) || !get_int(env, argv[1], "signal", 0, NSIG - 1, &sig))
    return NULL;
  if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) == 0) return make_bool(env, true);
  return errno == ESRCH ? make_bool(env, false) : throw_errno(env, "pidfd_send_signal", errno);
}

// As PID 1: no other process in the namespace; otherwise no child at all (zombies count).
napi_value NothingLeft(napi_env env, napi_callback_info info) { return make_bool(env, nothing_left()); }

// waitid(P_PID, pid, WSTOPPED | WNOHANG | WNOWAIT): the signal that stopped the child, or 0 when
// it is not stopped. The stop stays reportable: the reaper never asks for stops.
napi_value StopSignal(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t pid;
  siginfo_t stopped;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "pid", 1, INT_MAX_D, &pid)) return NULL;
  stopped.si_pid = 0;
  if (waitid(P_PID, (id_t)pid, &stopped, WSTOPPED | WNOHANG | WNOWAIT) != 0) return make_int(env, 0);
  return make_int(env, stopped.si_pid == pid && stopped.si_code == CLD_STOPPED ? stopped.si_status : 0);
}
