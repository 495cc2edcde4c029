// tsinit's native half: one syscall (or one vfork+exec, or one waitpid drain) per function,
// errno as data.
// Policy (what to forward, when to exit, what to log) lives in TypeScript.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

extern char **environ;

// Every failure leaves an exception pending: JS never gets a silent `undefined`.
#define CHECK(call)                                                            \
  do {                                                                         \
    if ((call) != napi_ok) return fail(env);                                   \
  } while (0)

// After a failed Node-API call: throws its message unless an exception is already pending.
static napi_value fail(napi_env env) {
  const napi_extended_error_info *info = NULL;
  char message[128] = "Node-API call failed";
  bool pending = false;
  if (napi_get_last_error_info(env, &info) == napi_ok && info != NULL && info->error_message != NULL)
    snprintf(message, sizeof message, "%s", info->error_message);
  if (napi_is_exception_pending(env, &pending) == napi_ok && !pending) napi_throw_error(env, NULL, message);
  return NULL;
}

// Throws an Error whose `code` is the errno name ("EPERM"), as Node does.
static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", syscall, strerror(err));
  napi_throw_error(env, uv_err_name(-err), message);
  return NULL;
}

static napi_value make_int(napi_env env, int value) {
  napi_value result;
  CHECK(napi_create_int32(env, value, &result));
  return result;
}


static char *get_c_string(napi_env env, napi_value value);
static char **get_string_array(napi_env env, napi_value array);
static void free_string_array(char **strings);
static void plain_stdio(void);

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return fail(env), 0;
  if (argc < want) {
    napi_throw_type_error(env, NULL, "too few arguments");
    return 0;
  }
  return 1;
}

// A JS number that is an integer from min to max (both within 2**53), or false with a
// TypeError naming `what` (NaN, 1.5, "3" or 2**40 would otherwise become some other integer).
static bool get_integer(napi_env env, napi_value value, const char *what, double min, double max, double *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number || napi_get_value_double(env, value, out) != napi_ok ||
      !(*out >= min && *out <= max) || *out != (double)(int64_t)*out) {
    char message[128];
    snprintf(message, sizeof message, "%s must be an integer from %.0f to %.0f", what, min, max);
    napi_throw_type_error(env, NULL, message);
    return false;
  }
  return true;
}

// get_integer for an int32 (kill(NaN) would be kill(0)).
static bool get_int(napi_env env, napi_value value, const char *what, double min, double max, int32_t *out) {
  double number;
  if (!get_integer(env, value, what, min, max, &number)) return false;
  *out = (int32_t)number;
  return true;
}

// An address or a size: user space is 2**47 or 2**48, well within a double's exact integers.
#define ADDRESS_MAX_D 9007199254740992.0

// A JS boolean, or false with a TypeError naming `what`.
static bool get_bool(napi_env env, napi_value value, const char *what, bool *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_boolean || napi_get_value_bool(env, value, out) != napi_ok) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a boolean", what);
    napi_throw_type_error(env, NULL, message);
    return false;
  }
  return true;
}

// The length of an array of signals: an array, shorter than NSIG; else false with a TypeError.
static bool get_signal_count(napi_env env, napi_value array, uint32_t *count) {
  bool is_array = false;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array || napi_get_array_length(env, array, count) != napi_ok ||
      *count >= NSIG) {
    napi_throw_type_error(env, NULL, "signals must be an array of at most 64 signal numbers");
    return false;
  }
  return true;
}

#define INT_MIN_D -2147483648.0
#define INT_MAX_D 2147483647.0

// prctl(PR_SET_CHILD_SUBREAPER): orphans below us come to us, not to PID 1.
static napi_value SetChildSubreaper(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool on;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (!get_bool(env, argv[0], "on", &on)) return NULL;
  if (prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0) != 0) return throw_errno(env, "prctl", errno);
  return NULL;
}

// prctl(PR_SET_PDEATHSIG) on the init itself: the signal arrives when our parent dies (tini -p).
static napi_value SetParentDeathSignal(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t sig;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (!get_int(env, argv[0], "signal", 0, NSIG - 1, &sig)) return NULL;
  if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0) return throw_errno(env, "prctl", errno);
  return NULL;
}

// tcsetpgrp(0, pgid) with SIGTTOU blocked in this thread, as a background group must.
// Returns 0, or the errno when stdin is no terminal of ours (ENOTTY, EPERM...).
static napi_value SetForegroundGroup(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t pgid;
  sigset_t ttou, old;
  int err = 0;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (!get_int(env, argv[0], "pgid", 0, INT_MAX_D, &pgid)) return NULL;
  sigemptyset(&ttou);
  sigaddset(&ttou, SIGTTOU);
  sigprocmask(SIG_BLOCK, &ttou, &old);
  if (tcsetpgrp(STDIN_FILENO, pgid) != 0) err = errno;
  sigprocmask(SIG_SETMASK, &old, NULL);
  return make_int(env, err);
}

// ioctl(0, TIOCNOTTY): gives up our controlling terminal, so a child in a new session can take
// it (dumb-init does the same). Returns 0 or the errno (ENOTTY when stdin is no terminal).
static napi_value ReleaseTerminal(napi_env env, napi_callback_info info) {
  return make_int(env, ioctl(STDIN_FILENO, TIOCNOTTY) == 0 ? 0 : errno);
}

static napi_value make_disposition(napi_env env, const struct sigaction *action) {
  napi_value result;
  const char *name = (action->sa_flags & SA_SIGINFO) ? "handler"
                     : action->sa_handler == SIG_DFL ? "default"
                     : action->sa_handler == SIG_IGN ? "ignore"
                                                     : "handler";
  CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &result));
  return result;
}

// sigaction(sig, NULL, &old): "default", "ignore" or "handler".
static napi_value SignalDisposition(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t sig;
  struct sigaction old;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (!get_int(env, argv[0], "signal", 1, NSIG - 1, &sig)) return NULL;
  if (sigaction(sig, NULL, &old) != 0) return throw_errno(env, "sigaction", errno);
  return make_disposition(env, &old);
}

// sigaction(sig, SIG_IGN or SIG_DFL): what Node cannot set. The init ignores SIGTTIN/SIGTTOU as
// tini does: with a handler, a write to a terminal it does not own (`stty tostop`) raises
// SIGTTOU, the handler returns and the write restarts, forever.
static napi_value SetSignalIgnored(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t sig;
  bool ignored;
  struct sigaction action;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (!get_int(env, argv[0], "signal", 1, NSIG - 1, &sig) || !get_bool(env, argv[1], "ignored", &ignored)) return NULL;
  memset(&action, 0, sizeof action);
  action.sa_handler = ignored ? SIG_IGN : SIG_DFL;
  if (sigaction(sig, &action, NULL) != 0) return throw_errno(env, "sigaction", errno);
  return NULL;
}

// memfd_create(name, 0): a file that lives only in memory and, without CLOEXEC, survives execve.
// The init's restart hands its state over in one (see node-options.ts).
static napi_value MemfdCreate(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char name[64];
  size_t length;
  napi_valuetype type;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (napi_typeof(env, argv[0], &type) != napi_ok || type != napi_string) {
    napi_throw_type_error(env, NULL, "name must be a string");
    return NULL;
  }
  CHECK(napi_get_value_string_utf8(env, argv[0], name, sizeof name, &length));
  int fd = (int)syscall(SYS_memfd_create, name, 0);
  if (fd < 0) return throw_errno(env, "memfd_create", errno);
  return make_int(env, fd);
}

// setenv(3) with a value of bytes: an environment variable given back exactly as it came
// (process.env takes only text).
static napi_value SetEnvironment(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char *name, *value;
  if (!get_args(env, info, 2, argv)) return NULL;
  name = get_c_string(env, argv[0]);
  value = get_c_string(env, argv[1]);
  int ok = name != NULL && value != NULL && name[0] != '\0' && strchr(name, '=') == NULL;
  int err = ok && setenv(name, value, 1) != 0 ? errno : 0;
  free(name);
  free(value);
  if (!ok) {
    napi_throw_type_error(env, NULL, "setEnvironment needs a name and a value, strings or Buffers without NUL");
    return NULL;
  }
  return err == 0 ? NULL : throw_errno(env, "setenv", err);
}

// isatty(3): without loading Node's tty module, which costs 2 ms of start-up.
static napi_value IsTerminal(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  int32_t fd;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (!get_int(env, argv[0], "fd", 0, INT_MAX_D, &fd)) return NULL;
  CHECK(napi_get_boolean(env, isatty(fd) == 1, &result));
  return result;
}

// _exit(2): the init's last act. Node's own exit tears the runtime down for milliseconds,
// and there is nothing to flush: every write of ours is synchronous.
static napi_value Exit(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t code;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (!get_int(env, argv[0], "code", 0, 255, &code)) return NULL;
  _exit(code);
}

// madvise(start, length, MADV_DONTNEED): the pages of a clean file mapping leave this process
// (the file's page cache keeps them) and come back on the next touch. Returns 0 or the errno.
static napi_value ReleasePages(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double start, length;
  if (!get_args(env, info, 2, argv) || !get_integer(env, argv[0], "start", 0, ADDRESS_MAX_D, &start) ||
      !get_integer(env, argv[1], "length", 0, ADDRESS_MAX_D, &length)) return NULL;
  return make_int(env, madvise((void *)(uintptr_t)start, (size_t)length, MADV_DONTNEED) == 0 ? 0 : errno);
}

// execve(2) with this process's environment and plain stdio: the init restarting itself.
// Throws on failure.
static napi_value Execve(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char *file, **args;
  if (!get_args(env, info, 2, argv)) return NULL;
  file = get_c_string(env, argv[0]);
  args = get_string_array(env, argv[1]);
  if (file == NULL || args == NULL || args[0] == NULL) {
    free(file);
    free_string_array(args);
    napi_throw_type_error(env, NULL, "execve needs a file and a non-empty argv of strings or Buffers");
    return NULL;
  }
  plain_stdio();
  execve(file, args, environ);
  int err = errno;
  free(file);
  free_string_array(args);
  return throw_errno(env, "execve", err);
}

// kill(2): true when delivered, false when nobody is there (ESRCH).
static napi_value Kill(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  int32_t pid, sig;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (!get_int(env, argv[0], "pid", INT_MIN_D + 1, INT_MAX_D, &pid) || !get_int(env, argv[1], "signal", 0, NSIG - 1, &sig))
    return NULL;
  if (kill(pid, sig) == 0) {
    CHECK(napi_get_boolean(env, true, &result));
  } else if (errno == ESRCH) {
    CHECK(napi_get_boolean(env, false, &result));
  } else {
    return throw_errno(env, "kill", errno);
  }
  return result;
}

static napi_value reaped_entry(napi_env env, pid_t pid, int status, const char *name) {
  napi_value entry, null, js_name;
  CHECK(napi_create_object(env, &entry));
  CHECK(napi_get_null(env, &null));
  CHECK(napi_set_named_property(env, entry, "pid", make_int(env, pid)));
  CHECK(napi_set_named_property(env, entry, "exitCode",
                                WIFEXITED(status) ? make_int(env, WEXITSTATUS(status)) : null));
  CHECK(napi_set_named_property(env, entry, "signal",
                                WIFSIGNALED(status) ? make_int(env, WTERMSIG(status)) : null));
  if (name != NULL) {
    CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &js_name));
    CHECK(napi_set_named_property(env, entry, "name", js_name));
  }
  return entry;
}

// The next exited child's pid, left a zombie, and its /proc/<pid>/comm when `name` is given.
static pid_t peek_exited_child(char *name, size_t size) {
  siginfo_t info;
  char path[32];
  int fd;
  ssize_t got = 0;
  info.si_pid = 0;
  if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0) return errno == ECHILD ? 0 : -1;
  if (info.si_pid == 0 || name == NULL) return info.si_pid; // 0: children, none exited
  snprintf(path, sizeof path, "/proc/%d/comm", (int)info.si_pid);
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
    got = read(fd, name, size - 1);
    close(fd);
  }
  name[got > 0 ? got - 1 : 0] = '\0'; // drop comm's newline
  return info.si_pid;
}

// Children reaped but not yet handed to JS: filled by each reapAll, emptied once its list is
// made, kept when making it failed, so that the next call reports them: no status is lost.
static struct reaped_child {
  pid_t pid;
  int status;
  char name[32]; // /proc/<pid>/comm: at most 15 bytes and a newline
} *reaped;
static size_t reaped_count, reaped_capacity;

// Room for one more reaped status, before the reaping: a status must never lack a place.
static struct reaped_child *reserve_reaped(void) {
  if (reaped_count == reaped_capacity) {
    size_t capacity = reaped_capacity ? 2 * reaped_capacity : 64;
    struct reaped_child *grown = realloc(reaped, capacity * sizeof *reaped);
    if (grown == NULL) return NULL;
    reaped = grown;
    reaped_capacity = capacity;
  }
  return &reaped[reaped_count];
}

static void end_fast_path(pid_t pid);

// waitpid(-1, WNOHANG) until nothing is left: one SIGCHLD may stand for many exits.
// reapAll() returns every child reaped, with its comm read while it was a zombie;
// reapAll(pid) returns only that one, if it was among them: an orphan storm costs no objects.
static napi_value ReapAll(napi_env env, napi_callback_info info) {
  napi_value argv[1], list;
  napi_valuetype type = napi_undefined;
  size_t argc = 1;
  int32_t only = 0;
  uint32_t count = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1) CHECK(napi_typeof(env, argv[0], &type));
  if (type != napi_undefined && !get_int(env, argv[0], "pid", 1, INT_MAX_D, &only)) return NULL;
  for (;;) {
    struct reaped_child *next = reserve_reaped();
    pid_t pid;
    if (next == NULL) break; // the rest waits for the next call
    if ((pid = peek_exited_child(only == 0 ? next->name : NULL, sizeof next->name)) <= 0) {
      if (pid == 0) break;
      return throw_errno(env, "waitid", errno);
    }
    end_fast_path(pid);
    pid = waitpid(pid, &next->status, WNOHANG);
    if (pid == 0 || (pid < 0 && errno == ECHILD)) break;
    if (pid < 0) return throw_errno(env, "waitpid", errno);
    next->pid = pid;
    if (only != 0 && pid != only) continue; // an orphan nobody reports: its slot is reused
    reaped_count++;
  }
  CHECK(napi_create_array(env, &list));
  for (size_t i = 0; i < reaped_count; i++) {
    if (only != 0 && reaped[i].pid != only) continue;
    napi_value entry = reaped_entry(env, reaped[i].pid, reaped[i].status, only == 0 ? reaped[i].name : NULL);
    if (entry == NULL) return NULL; // kept for the next call
    CHECK(napi_set_element(env, list, count++, entry));
  }
  reaped_count = 0;
  return list;
}

// waitid(P_PID, pid, WSTOPPED | WNOHANG | WNOWAIT): the signal that stopped the child, or 0 when
// it is not stopped. The stop stays reportable: the reaper never asks for stops.
static napi_value StopSignal(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t pid;
  siginfo_t stopped;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "pid", 1, INT_MAX_D, &pid)) return NULL;
  stopped.si_pid = 0;
  if (waitid(P_PID, (id_t)pid, &stopped, WSTOPPED | WNOHANG | WNOWAIT) != 0) return make_int(env, 0);
  return make_int(env, stopped.si_pid == pid && stopped.si_code == CLD_STOPPED ? stopped.si_status : 0);
}

// Signals are caught by the addon's own handler, which counts each arrival per signal: libuv's
// handler writes a 16-byte message per signal into a 64 KiB pipe, so a burst of queued
// real-time signals overflowed it (4,608 of 10,000 arrived). Counts never overflow; a uv_async
// wakes the loop (uv_async_send is async-signal-safe) and the counts go to JS, per signal in
// ascending order. Until a watch exists, arrivals are only counted: held.
static unsigned int held_counts[NSIG];
static bool caught[NSIG];                // the addon's handler is installed for this signal
static struct sigaction previous[NSIG];  // the action it replaced, given back by unwatchSignals
static uv_async_t *volatile wake_target; // the watch's async, read by the handler

// The fast path, armed by JS once CMD runs (see forwardInHandler and reapInLoop): the handler
// forwards signals and reaps orphans itself, with no JS in between. It ends when CMD's exit is
// seen, before its pid is freed: a pid freed may be another process's at once.
static int forward_as[NSIG];  // 0: to JS; > 0: kill with this signal; -1: dropped
static pid_t forward_target;  // CMD's pid; 0: nothing forwarded in the handler
static bool forward_group;    // to CMD's group, or to CMD alone if the group is gone
static pid_t reap_target;     // CMD, while orphans are reaped in the handler; 0: JS reaps
static int handlers_acting;   // handlers (or the signal thread) between reading a target and their last kill()/waitpid()
static bool exit_armed;       // when CMD is reaped, exit at once...
static bool exit_always;      // ...even with others left (grace 0), or only when none is
static bool exit_remap_zero[256];

// In the handler or the signal thread: kill() is async-signal-safe. True when the signal was dealt with.
static bool forward_in_handler(int signum) {
  int as = __atomic_load_n(&forward_as[signum], __ATOMIC_SEQ_CST);
  pid_t target;
  if (as == 0) return false;
  __atomic_fetch_add(&handlers_acting, 1, __ATOMIC_SEQ_CST);
  target = __atomic_load_n(&forward_target, __ATOMIC_SEQ_CST);
  if (target > 0 && as > 0 && !(forward_group && kill(-target, as) == 0)) kill(target, as);
  __atomic_fetch_sub(&handlers_acting, 1, __ATOMIC_SEQ_CST);
  return target > 0;
}

// Reaps every exited child but `cmd` (waitid and waitpid are async-signal-safe), unreported.
// Returns `cmd` once it has exited (left a zombie), 0 when no exited child is left, -1 on error.
static pid_t reap_orphans(pid_t cmd) {
  pid_t pid;
  while ((pid = peek_exited_child(NULL, 0)) > 0 && pid != cmd) waitpid(pid, NULL, WNOHANG);
  return pid;
}

// In the handler or the signal thread, for SIGCHLD while CMD runs: orphans are reaped right
// here. True when every exited child was an orphan, so the loop need not wake; CMD's exit is
// left to the loop, which ends the fast path first.
static bool reap_orphans_in_handler(void) {
  pid_t cmd, pid = -1;
  __atomic_fetch_add(&handlers_acting, 1, __ATOMIC_SEQ_CST);
  if ((cmd = __atomic_load_n(&reap_target, __ATOMIC_SEQ_CST)) != 0) pid = reap_orphans(cmd);
  __atomic_fetch_sub(&handlers_acting, 1, __ATOMIC_SEQ_CST);
  return cmd != 0 && pid == 0;
}

// Once the targets are cleared: a handler on another thread that read one before finishes
// first (a kill() or a few waitpid()s), so none acts on CMD's pid after it is freed, and none
// reaps a child whose status JS is now to report.
static void wait_out_handlers(void) {
  while (__atomic_load_n(&handlers_acting, __ATOMIC_SEQ_CST) > 0) {
  }
}

// Signals and SIGCHLD go to JS again, whatever CMD does.
static void disarm_fast_path(void) {
  __atomic_store_n(&forward_target, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(&reap_target, 0, __ATOMIC_SEQ_CST);
  exit_armed = false;
  wait_out_handlers();
}

// CMD's pid is about to be freed: the fast path ends; what comes next is JS's.
static void end_fast_path(pid_t pid) {
  if (pid > 0 && (__atomic_load_n(&reap_target, __ATOMIC_SEQ_CST) == pid || __atomic_load_n(&forward_target, __ATOMIC_SEQ_CST) == pid)) disarm_fast_path();
}

// Async-signal-safe: dealt with in place, or an atomic increment and a uv_async_send, on the
// signal thread or whichever thread the kernel picked.
static void count_signal(int signum) {
  int saved_errno = errno;
  if (!(signum == SIGCHLD ? reap_orphans_in_handler() : forward_in_handler(signum))) {
    __atomic_fetch_add(&held_counts[signum], 1, __ATOMIC_SEQ_CST);
    uv_async_t *wake = __atomic_load_n(&wake_target, __ATOMIC_SEQ_CST);
    if (wake != NULL) uv_async_send(wake);
  }
  errno = saved_errno;
}

// Signals a thread of the addon's takes with sigwaitinfo (takeSignalsOnThread), blocked in
// every other thread; the address of `block_message` marks our own request to block them.
static sigset_t on_thread;
static const char block_message;

static bool is_block_message(const siginfo_t *info) {
  return info->si_code == SI_QUEUE && info->si_pid == getpid() && info->si_value.sival_ptr == &block_message;
}

// The handler. The block message comes from takeSignalsOnThread (rt_tgsigqueueinfo, SI_QUEUE,
// our pid): a mask set in a handler is undone by its return, so the one the return restores
// (uc_sigmask) gets the signals instead.
static void on_signal(int signum, siginfo_t *info, void *context) {
  if (is_block_message(info)) {
    ucontext_t *interrupted = context;
    for (int blocked = 1; blocked < NSIG; blocked++)
      if (sigismember(&on_thread, blocked)) sigaddset(&interrupted->uc_sigmask, blocked);
    return;
  }
  count_signal(signum);
}

// sigaction(sig, on_signal, &old): atomic, so the old disposition tells whether a one-shot
// handler (Node's SIGINT/SIGTERM at boot) already fired.
static int catch_signal(int signum, struct sigaction *old) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_signal;
  action.sa_flags = SA_RESTART | SA_SIGINFO;
  sigfillset(&action.sa_mask);
  if (sigaction(signum, &action, old) != 0) return -1;
  if (!caught[signum]) previous[signum] = *old;
  caught[signum] = true;
  return 0;
}

// sigaction(sig, on_signal) for each signal: from here on an arrival is counted, not lost.
// Returns each old disposition: "default", "ignore" or "handler".
static napi_value HoldSignals(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  uint32_t count;
  struct sigaction old;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (!get_signal_count(env, argv[0], &count)) return NULL;
  CHECK(napi_create_array_with_length(env, count, &result));
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    int32_t signum;
    CHECK(napi_get_element(env, argv[0], i, &element));
    if (!get_int(env, element, "each signal", 1, NSIG - 1, &signum)) return NULL;
    if (catch_signal(signum, &old) != 0) return throw_errno(env, "sigaction", errno);
    CHECK(napi_set_element(env, result, i, make_disposition(env, &old)));
  }
  return result;
}

// The signals counted, each as often as it came (ascending), the counts reset.
static napi_value take_held(napi_env env) {
  napi_value list;
  uint32_t length = 0;
  CHECK(napi_create_array(env, &list));
  for (int signum = 1; signum < NSIG; signum++) {
    unsigned int count = __atomic_exchange_n(&held_counts[signum], 0, __ATOMIC_SEQ_CST);
    while (count-- > 0) CHECK(napi_set_element(env, list, length++, make_int(env, signum)));
  }
  return list;
}

// What was counted so far and not delivered: the restart hands these over.
static napi_value TakeHeldSignals(napi_env env, napi_callback_info info) { return take_held(env); }

// At most one watch at a time.
static struct {
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  uv_async_t *wake;
} watch;

// As PID 1: no other process in the namespace (kill(-1, 0) finds none, zombies included).
// Otherwise: no child at all, so no descendant either (a subreaper's orphans are its children).
static bool nothing_left(void) {
  siginfo_t info;
  if (getpid() == 1) return kill(-1, 0) != 0 && errno == ESRCH;
  return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD;
}

// The shell's convention (exit-status.ts), then -e's codes as 0.
static int exit_code_of(int status) {
  int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  return exit_remap_zero[code & 255] ? 0 : code;
}

// SIGCHLD that the handler left to the loop: orphans are reaped here too, never reported. CMD's status is
// kept for JS's next reapAll, or, with the fast exit armed and nothing left to wait for, it
// is the process's exit code at once. True when JS is to hear of CMD's end (or of an error).
static bool reap_in_loop(void) {
  pid_t cmd = __atomic_load_n(&reap_target, __ATOMIC_SEQ_CST);
  bool exit_now = exit_armed; // before end_fast_path disarms it
  struct reaped_child *slot = reserve_reaped();
  pid_t pid = reap_orphans(cmd);
  int status;
  if (pid == 0) return false;
  if (slot == NULL || pid < 0) return true; // JS's reapAll reports it
  end_fast_path(pid);
  if (waitpid(pid, &status, WNOHANG) != pid) return true;
  if (exit_now && (exit_always || nothing_left())) _exit(exit_code_of(status));
  slot->pid = pid;
  slot->status = status;
  slot->name[0] = '\0';
  reaped_count++;
  return true;
}

// On the loop, after count_signal's wake: each signal counted goes to JS, as often as it came.
static void on_wake(uv_async_t *wake) {
  napi_env env = watch.env;
  (void)wake;
  for (int signum = 1; signum < NSIG && watch.env == env; signum++) {
    unsigned int count = __atomic_exchange_n(&held_counts[signum], 0, __ATOMIC_SEQ_CST);
    if (signum == SIGCHLD && count > 0 && __atomic_load_n(&reap_target, __ATOMIC_SEQ_CST) != 0) count = reap_in_loop() ? 1 : 0;
    while (count-- > 0 && watch.env == env) { // a callback may end the watch
      napi_handle_scope scope;
      napi_value callback, receiver, arg, result;
      napi_open_handle_scope(env, &scope);
      napi_get_reference_value(env, watch.callback, &callback);
      napi_get_global(env, &receiver);
      napi_create_int32(env, signum, &arg);
      if (napi_make_callback(env, watch.context, receiver, callback, 1, &arg, &result) == napi_pending_exception) {
        napi_value error;
        napi_get_and_clear_last_exception(env, &error);
        napi_fatal_exception(env, error);
      }
      napi_close_handle_scope(env, scope);
    }
  }
}

static void free_handle(uv_handle_t *handle) { free(handle); }

// Ends the watch: every caught signal gets its action from before back (Node's ignored
// SIGPIPE included), the counts are dropped, the async closes.
static void stop_watch(void) {
  __atomic_store_n(&wake_target, NULL, __ATOMIC_SEQ_CST);
  disarm_fast_path();
  for (int signum = 1; signum < NSIG; signum++) {
    if (caught[signum]) sigaction(signum, &previous[signum], NULL);
    caught[signum] = false;
    __atomic_store_n(&held_counts[signum], 0, __ATOMIC_SEQ_CST);
  }
  if (watch.wake != NULL) uv_close((uv_handle_t *)watch.wake, free_handle);
  if (watch.callback != NULL) napi_delete_reference(watch.env, watch.callback);
  if (watch.context != NULL) napi_async_destroy(watch.env, watch.context);
  watch.wake = NULL;
  watch.callback = NULL;
  watch.context = NULL;
  watch.env = NULL;
}

// Catches each signal (as holdSignals does) and calls `callback(signal)` on the loop for every
// arrival from now on. The async handle stays ref'd: it is what keeps the init's event loop
// alive, with no timer and no wake-up. Returns the signals counted before the watch.
static napi_value WatchSignals(napi_env env, napi_callback_info info) {
  napi_value argv[2], name;
  napi_valuetype type;
  uint32_t count;
  uv_loop_t *loop;
  struct sigaction old;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (watch.env != NULL) {
    napi_throw_error(env, NULL, "signals are already watched: call unwatchSignals first");
    return NULL;
  }
  if (!get_signal_count(env, argv[0], &count)) return NULL;
  if (napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "watchSignals needs a callback function");
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) { // all numbers checked before anything changes
    napi_value element;
    int32_t signum;
    CHECK(napi_get_element(env, argv[0], i, &element));
    if (!get_int(env, element, "each signal", 1, NSIG - 1, &signum)) return NULL;
  }
  CHECK(napi_get_uv_event_loop(env, &loop));
  CHECK(napi_create_string_utf8(env, "tsinit:signal", NAPI_AUTO_LENGTH, &name));
  if ((watch.wake = malloc(sizeof *watch.wake)) == NULL) return throw_errno(env, "malloc", ENOMEM);
  if (uv_async_init(loop, watch.wake, on_wake) != 0) {
    free(watch.wake);
    watch.wake = NULL;
    return throw_errno(env, "uv_async_init", EINVAL);
  }
  watch.env = env;
  if (napi_create_reference(env, argv[1], 1, &watch.callback) != napi_ok ||
      napi_async_init(env, NULL, name, &watch.context) != napi_ok) {
    stop_watch();
    return fail(env);
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    int32_t signum;
    if (napi_get_element(env, argv[0], i, &element) != napi_ok || napi_get_value_int32(env, element, &signum) != napi_ok ||
        catch_signal(signum, &old) != 0) {
      stop_watch();
      return fail(env);
    }
  }
  __atomic_store_n(&wake_target, watch.wake, __ATOMIC_SEQ_CST); // arrivals from here wake the loop
  return take_held(env);
}

// Reads `signals` and the parallel `values`, each an integer from min to max, into table[signal].
static bool get_signal_table(napi_env env, napi_value signals, napi_value values, double min, double max, int *table) {
  uint32_t count, value_count;
  if (!get_signal_count(env, signals, &count) || !get_signal_count(env, values, &value_count)) return false;
  if (value_count != count) {
    napi_throw_type_error(env, NULL, "each signal needs one value");
    return false;
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    int32_t signum, value;
    if (napi_get_element(env, signals, i, &element) != napi_ok) return fail(env), false;
    if (!get_int(env, element, "each signal", 1, NSIG - 1, &signum)) return false;
    if (napi_get_element(env, values, i, &element) != napi_ok) return fail(env), false;
    if (!get_int(env, element, "each value", min, max, &value)) return false;
    table[signum] = value;
  }
  return true;
}

// forwardInHandler(pid, group, signals, forwardAs): from now on the handler itself sends
// signals[i] as forwardAs[i] (-1: drops it) to CMD's group (group) or CMD, until CMD's exit is
// seen; the other signals still go to JS. JS decides the table: this only applies it.
static napi_value ForwardInHandler(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t pid;
  bool group;
  int table[NSIG] = {0};
  if (!get_args(env, info, 4, argv) || !get_int(env, argv[0], "pid", 1, INT_MAX_D, &pid) || !get_bool(env, argv[1], "group", &group) ||
      !get_signal_table(env, argv[2], argv[3], -1, NSIG - 1, table))
    return NULL;
  __atomic_store_n(&forward_target, 0, __ATOMIC_SEQ_CST);
  wait_out_handlers(); // no handler reads a half-made table
  for (int signum = 1; signum < NSIG; signum++) __atomic_store_n(&forward_as[signum], table[signum], __ATOMIC_SEQ_CST);
  __atomic_store_n(&forward_group, group, __ATOMIC_SEQ_CST);
  __atomic_store_n(&forward_target, pid, __ATOMIC_SEQ_CST);
  return NULL;
}

// reapInLoop(pid, fastExit, always, remapToZero): SIGCHLD no longer enters JS for orphans,
// only for CMD's end (pid). With fastExit, CMD's end is the process's when nothing is left to
// wait for (always: at once), its status as the exit code, the codes in remapToZero as 0.
static napi_value ReapInLoop(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t pid;
  bool fast_exit, always;
  uint32_t count;
  bool remap[256] = {false};
  if (!get_args(env, info, 4, argv) || !get_int(env, argv[0], "pid", 1, INT_MAX_D, &pid) || !get_bool(env, argv[1], "fastExit", &fast_exit) ||
      !get_bool(env, argv[2], "always", &always))
    return NULL;
  bool is_array = false;
  if (napi_is_array(env, argv[3], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[3], &count) != napi_ok || count > 256) {
    napi_throw_type_error(env, NULL, "remapToZero must be an array of at most 256 exit codes");
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    int32_t code;
    CHECK(napi_get_element(env, argv[3], i, &element));
    if (!get_int(env, element, "each exit code", 0, 255, &code)) return NULL;
    remap[code] = true;
  }
  memcpy(exit_remap_zero, remap, sizeof remap);
  exit_always = always;
  exit_armed = fast_exit;
  __atomic_store_n(&reap_target, pid, __ATOMIC_SEQ_CST);
  return NULL;
}

// The signal thread: what the handler does, done between two sigwaitinfo calls, as tini does.
static void take_signals(void *unused) {
  prctl(PR_SET_NAME, "tsinit-signals", 0, 0, 0);
  for (;;) {
    siginfo_t info;
    int signum = sigwaitinfo(&on_thread, &info);
    if (signum > 0 && !is_block_message(&info)) count_signal(signum); // its own is no signal from outside
  }
}

// Asks every thread but this one to block the signals in `on_thread` (see on_signal), carried
// by one of them: a signal on_signal catches.
static void send_block_message(void) {
  pid_t self = (pid_t)syscall(SYS_gettid);
  int carrier = 1;
  DIR *tasks;
  struct dirent *task;
  while (carrier < NSIG && !sigismember(&on_thread, carrier)) carrier++;
  if (carrier == NSIG || (tasks = opendir("/proc/self/task")) == NULL) return; // no /proc: the handler takes what the other threads get
  while ((task = readdir(tasks)) != NULL) {
    siginfo_t message;
    pid_t tid = (pid_t)atoi(task->d_name);
    if (tid <= 0 || tid == self) continue;
    memset(&message, 0, sizeof message);
    message.si_signo = carrier;
    message.si_code = SI_QUEUE;
    message.si_pid = getpid();
    message.si_uid = getuid();
    message.si_value.sival_ptr = (void *)&block_message;
    syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, carrier, &message);
  }
  closedir(tasks);
}

// Caught signals are taken as tini takes them: a thread waits in sigwaitinfo and every other
// thread blocks them, so none interrupts the loop's epoll_pwait (a signal frame, an
// rt_sigreturn and an EINTR each). Node's threads exist already and are sent the block message;
// threads made later inherit the loop thread's mask. Once, for a process that is the init's
// alone: the masks are never given back. Returns 0, or the errno when no thread could be made
// (pids.max: the handler goes on alone).
static napi_value TakeSignalsOnThread(napi_env env, napi_callback_info info) {
  static bool taken;
  sigset_t all, old;
  uv_thread_t thread;
  uv_thread_options_t options = {UV_THREAD_HAS_STACK_SIZE, 64 * 1024};
  if (taken) return make_int(env, 0);
  sigemptyset(&on_thread);
  for (int signum = 1; signum < NSIG; signum++)
    if (caught[signum]) sigaddset(&on_thread, signum);
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old); // the thread starts with every signal blocked
  int err = uv_thread_create_ex(&thread, &options, take_signals, NULL);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (err != 0) return make_int(env, -err);
  taken = true;
  sigprocmask(SIG_BLOCK, &on_thread, NULL);
  send_block_message();
  return make_int(env, 0);
}

// Ends forwardInHandler and reapInLoop: the tree's shutdown needs every signal and status in JS.
static napi_value EndFastPath(napi_env env, napi_callback_info info) {
  disarm_fast_path();
  return NULL;
}

// Undoes watchSignals: the programmatic API gives the host its signals back when it ends.
static napi_value UnwatchSignals(napi_env env, napi_callback_info info) {
  stop_watch();
  return NULL;
}

// One element of an argv-like array as a malloc'ed C string: a string (UTF-8) or a Buffer
// (its bytes exactly, as the command line gave them). NULL for anything else or an inner NUL.
static char *get_c_string(napi_env env, napi_value value) {
  napi_valuetype type;
  bool is_buffer = false;
  char *bytes, *copy;
  size_t length;
  if (napi_typeof(env, value, &type) != napi_ok) return NULL;
  if (type == napi_string) {
    if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok || (copy = malloc(length + 1)) == NULL)
      return NULL;
    if (napi_get_value_string_utf8(env, value, copy, length + 1, &length) != napi_ok || strlen(copy) != length) {
      free(copy);
      return NULL;
    }
    return copy;
  }
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, value, (void **)&bytes, &length) != napi_ok || memchr(bytes, 0, length) != NULL ||
      (copy = malloc(length + 1)) == NULL)
    return NULL;
  memcpy(copy, bytes, length);
  copy[length] = '\0';
  return copy;
}

// A JS array of strings or Buffers as a NULL-terminated char **, or NULL (all freed) when it
// is no array or an element is neither.
static char **get_string_array(napi_env env, napi_value array) {
  uint32_t count;
  bool is_array = false;
  char **strings;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, array, &count) != napi_ok || count >= UINT32_MAX / sizeof *strings)
    return NULL;
  if ((strings = calloc((size_t)count + 1, sizeof *strings)) == NULL) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    if (napi_get_element(env, array, i, &element) != napi_ok || (strings[i] = get_c_string(env, element)) == NULL) {
      free_string_array(strings);
      return NULL;
    }
  }
  return strings;
}

static void free_string_array(char **strings) {
  for (char **s = strings; s != NULL && *s != NULL; s++) free(*s);
  free(strings);
}

// options.key, or NULL when absent; false with a TypeError when options is no object.
static bool get_option(napi_env env, napi_value options, const char *key, napi_value *value) {
  napi_valuetype type;
  if (napi_typeof(env, options, &type) != napi_ok || type != napi_object) {
    napi_throw_type_error(env, NULL, "spawn options must be an object");
    return false;
  }
  if (napi_get_named_property(env, options, key, value) != napi_ok || napi_typeof(env, *value, &type) != napi_ok) return fail(env), false;
  if (type == napi_undefined) *value = NULL;
  return true;
}

// options.key: a boolean, false when absent; false with a TypeError when it is no boolean.
static bool get_bool_option(napi_env env, napi_value options, const char *key, bool *out) {
  napi_value value;
  *out = false;
  return get_option(env, options, key, &value) && (value == NULL || get_bool(env, value, key, out));
}

// Node may mark 0-2 close-on-exec (measured: a file on stdout) and leave them non-blocking;
// whatever we exec gets them plain. Async-signal-safe: fcntl only.
static void plain_stdio(void) {
  for (int fd = 0; fd <= 2; fd++) {
    int fd_flags = fcntl(fd, F_GETFD), fl_flags = fcntl(fd, F_GETFL);
    if (fd_flags >= 0) fcntl(fd, F_SETFD, fd_flags & ~FD_CLOEXEC);
    if (fl_flags >= 0) fcntl(fd, F_SETFL, fl_flags & ~O_NONBLOCK);
  }
}

typedef struct {
  char **paths;
  char **argv;
  size_t argc;
  bool new_session;
  bool foreground;
  char oom_score_adj[16]; // written to /proc/self/oom_score_adj before exec; empty: inherited
} spawn_request;

// A file exec refuses as no binary and no `#!` script (ENOEXEC) runs under /bin/sh, as execvp
// and the shells do: argv becomes /bin/sh FILE ARG... (argc + 2 slots, built on our stack).
static void exec_with_shell(char *file, char **argv, char **shell_argv) {
  size_t i = 1;
  shell_argv[0] = "/bin/sh";
  shell_argv[1] = file;
  do shell_argv[i + 1] = argv[i];
  while (argv[i++] != NULL);
  execve(shell_argv[0], shell_argv, environ);
}

// The vforked child: it borrows the parent's memory and stack until exec, so it only makes
// async-signal-safe calls, writes nothing but its own locals, and never returns.
static void exec_child(const spawn_request *req, int report_fd) {
  struct sigaction dfl;
  sigset_t empty;
  int err = ENOENT, saw_eacces = 0;
  char *shell_argv[req->argc + 2];
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
  if (req->new_session) {
    setsid();
    if (req->foreground) ioctl(STDIN_FILENO, TIOCSCTTY, 0);
  } else {
    setpgid(0, 0);
  }
  if (req->foreground) {
    // A background process group calling tcsetpgrp gets SIGTTOU: ignore it just for this call.
    signal(SIGTTOU, SIG_IGN);
    tcsetpgrp(STDIN_FILENO, getpid());
    signal(SIGTTOU, SIG_DFL);
  }
  if (req->oom_score_adj[0] != '\0') {
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t written = write(fd, req->oom_score_adj, strlen(req->oom_score_adj));
      (void)written; // best effort: the init decided and logged it
      close(fd);
    }
  }
  plain_stdio();
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, NULL);
  for (char **path = req->paths; *path != NULL; path++) {
    execve(*path, req->argv, environ);
    if (errno == ENOEXEC) {
      exec_with_shell(*path, req->argv, shell_argv);
      err = ENOEXEC; // and no /bin/sh to run it
      break;
    }
    if (errno == EACCES) saw_eacces = 1;
    else if (errno != ENOENT && errno != ENOTDIR) {
      err = errno;
      break;
    }
  }
  if (saw_eacces && err == ENOENT) err = EACCES;
  while (write(report_fd, &err, sizeof err) < 0 && errno == EINTR) {
  }
  _exit(127);
}

// vfork + exec CMD with a clean signal state in its own process group (or session).
// vfork, not fork: no copy of a 40 MB Node's page tables (1.4 ms -> 0.1 ms measured).
// Returns { pid } or, when exec failed, { errno: 2 } (the failed child is reaped).
static napi_value Spawn(napi_env env, napi_callback_info info) {
  napi_value argv[3], result;
  spawn_request req;
  int report[2], child_errno = 0, fork_errno;
  sigset_t all, old;
  ssize_t got;
  pid_t pid;
  if (!get_args(env, info, 3, argv)) return NULL;
  napi_value oom;
  int32_t oom_score_adj;
  if (!get_bool_option(env, argv[2], "newSession", &req.new_session) ||
      !get_bool_option(env, argv[2], "foreground", &req.foreground) || !get_option(env, argv[2], "oomScoreAdj", &oom))
    return NULL;
  req.oom_score_adj[0] = '\0';
  if (oom != NULL) {
    if (!get_int(env, oom, "oomScoreAdj", -1000, 1000, &oom_score_adj)) return NULL;
    snprintf(req.oom_score_adj, sizeof req.oom_score_adj, "%d", (int)oom_score_adj);
  }
  req.paths = get_string_array(env, argv[0]);
  req.argv = get_string_array(env, argv[1]);
  if (req.paths == NULL || req.paths[0] == NULL || req.argv == NULL || req.argv[0] == NULL) {
    free_string_array(req.paths);
    free_string_array(req.argv);
    napi_throw_type_error(env, NULL, "spawn needs non-empty paths and argv of strings or Buffers");
    return NULL;
  }
  for (req.argc = 0; req.argv[req.argc] != NULL; req.argc++) {
  }
  if (pipe2(report, O_CLOEXEC) != 0) {
    int err = errno;
    free_string_array(req.paths);
    free_string_array(req.argv);
    return throw_errno(env, "pipe2", err);
  }
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  pid = vfork();
  if (pid == 0) exec_child(&req, report[1]);
  fork_errno = errno;
  sigprocmask(SIG_SETMASK, &old, NULL);
  close(report[1]);
  free_string_array(req.paths);
  free_string_array(req.argv);
  if (pid < 0) {
    close(report[0]);
    return throw_errno(env, "vfork", fork_errno);
  }
  do got = read(report[0], &child_errno, sizeof child_errno);
  while (got < 0 && errno == EINTR);
  close(report[0]);
  CHECK(napi_create_object(env, &result));
  if (got == sizeof child_errno) {
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    CHECK(napi_set_named_property(env, result, "errno", make_int(env, child_errno)));
  } else {
    CHECK(napi_set_named_property(env, result, "pid", make_int(env, pid)));
  }
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor functions[] = {
      {"setChildSubreaper", NULL, SetChildSubreaper, NULL, NULL, NULL, napi_default, NULL},
      {"setParentDeathSignal", NULL, SetParentDeathSignal, NULL, NULL, NULL, napi_default, NULL},
      {"setForegroundGroup", NULL, SetForegroundGroup, NULL, NULL, NULL, napi_default, NULL},
      {"isTerminal", NULL, IsTerminal, NULL, NULL, NULL, napi_default, NULL},
      {"setEnvironment", NULL, SetEnvironment, NULL, NULL, NULL, napi_default, NULL},
      {"exit", NULL, Exit, NULL, NULL, NULL, napi_default, NULL},
      {"execve", NULL, Execve, NULL, NULL, NULL, napi_default, NULL},
      {"kill", NULL, Kill, NULL, NULL, NULL, napi_default, NULL},
      {"reapAll", NULL, ReapAll, NULL, NULL, NULL, napi_default, NULL},
      {"stopSignal", NULL, StopSignal, NULL, NULL, NULL, napi_default, NULL},
      {"watchSignals", NULL, WatchSignals, NULL, NULL, NULL, napi_default, NULL},
      {"unwatchSignals", NULL, UnwatchSignals, NULL, NULL, NULL, napi_default, NULL},
      {"forwardInHandler", NULL, ForwardInHandler, NULL, NULL, NULL, napi_default, NULL},
      {"reapInLoop", NULL, ReapInLoop, NULL, NULL, NULL, napi_default, NULL},
      {"takeSignalsOnThread", NULL, TakeSignalsOnThread, NULL, NULL, NULL, napi_default, NULL},
      {"releasePages", NULL, ReleasePages, NULL, NULL, NULL, napi_default, NULL},
      {"endFastPath", NULL, EndFastPath, NULL, NULL, NULL, napi_default, NULL},
      {"releaseTerminal", NULL, ReleaseTerminal, NULL, NULL, NULL, napi_default, NULL},
      {"holdSignals", NULL, HoldSignals, NULL, NULL, NULL, napi_default, NULL},
      {"takeHeldSignals", NULL, TakeHeldSignals, NULL, NULL, NULL, napi_default, NULL},
      {"signalDisposition", NULL, SignalDisposition, NULL, NULL, NULL, napi_default, NULL},
      {"setSignalIgnored", NULL, SetSignalIgnored, NULL, NULL, NULL, napi_default, NULL},
      {"memfdCreate", NULL, MemfdCreate, NULL, NULL, NULL, napi_default, NULL},
      {"spawn", NULL, Spawn, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof functions / sizeof *functions, functions));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
