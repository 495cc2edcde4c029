// Starting CMD: vfork + exec, with a clean signal state, in its own process group or session,
// errno reported through a close-on-exec pipe; optionally with entries over the environment, fds
// passed as 3, 4, ... and a variable holding its own pid (systemd's socket activation).
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "exports.h"
#include "loop-side.h"

extern char **environ;

// Node may mark 0-2 close-on-exec (measured: a file on stdout) and leave them non-blocking;
// whatever we exec gets them plain. Async-signal-safe: fcntl only.
void plain_stdio(void) {
  for (int fd = 0; fd <= 2; fd++) {
    int fd_flags = fcntl(fd, F_GETFD), fl_flags = fcntl(fd, F_GETFL);
    if (fd_flags >= 0) fcntl(fd, F_SETFD, fd_flags & ~FD_CLOEXEC);
    if (fl_flags >= 0) fcntl(fd, F_SETFL, fl_flags & ~O_NONBLOCK);
  }
}

// At most this many fds passed as 3, 4, ...: more is a TypeError.
#define MAX_PASS_FDS 64
// Room for a pid's decimal digits after "NAME=" (pid_t is an int: 10 digits, and a NUL).
#define PID_DIGITS 11

// Everything the child needs, prepared by the parent before vfork: the child writes only into
// pid_digits (its own pid) and its own locals.
typedef struct {
  char **paths;
  char **argv;
  size_t argc;
  bool new_session;
  bool foreground;
  char oom_score_adj[16]; // written to /proc/self/oom_score_adj before exec; empty: inherited
  char **envp;            // what exec gets: environ itself, or built_env
  char **given_env;       // options.environment, NAME=VALUE each (owned)
  char **built_env;       // environ's entries not overridden, then the given ones (owned array)
  char *pid_entry;        // "NAME=" and PID_DIGITS bytes (owned); NULL without pidVariable
  char *pid_digits;       // where the child writes its pid in pid_entry
  int pass_fds[MAX_PASS_FDS];
  uint32_t pass_count;
} spawn_request;

// A file exec refuses as no binary and no `#!` script (ENOEXEC) runs under /bin/sh, as execvp
// and the shells do: argv becomes /bin/sh FILE ARG... (argc + 2 slots, built on our stack).
static void exec_with_shell(char *file, char **argv, char **shell_argv, char **envp) {
  size_t i = 1;
  shell_argv[0] = "/bin/sh";
  shell_argv[1] = file;
  do shell_argv[i + 1] = argv[i];
  while (argv[i++] != NULL);
  execve(shell_argv[0], shell_argv, envp);
}

// execve over the PATH candidates: the errno to report (ENOENT when none exists, EACCES when one
// existed but could not run). An empty candidate is ENOENT (execve("") says so), never EACCES.
static int exec_candidates(const spawn_request *req, char **shell_argv) {
  bool saw_eacces = false;
  for (char **path = req->paths; *path != NULL; path++) {
    execve(*path, req->argv, req->envp);
    if (errno == ENOEXEC) {
      exec_with_shell(*path, req->argv, shell_argv, req->envp);
      return ENOEXEC; // and no /bin/sh to run it
    }
    if (errno == EACCES) saw_eacces = true;
    else if (errno != ENOENT && errno != ENOTDIR) return errno;
  }
  return saw_eacces ? EACCES : ENOENT;
}

// The child's last words: the errno (of exec, or of moving the passed fds) to the parent, then out.
static void report_and_exit(int report_fd, int err) {
  while (write(report_fd, &err, sizeof err) < 0 && errno == EINTR) {
  }
  _exit(127);
}

// The passed fds become 3, 4, ... in order, inheritable and blocking; every other fd stays as it
// is. A source may sit on a target's number (and the report pipe too), so every source is first
// copied (close-on-exec) above the targets, then dup2'ed down (dup2 clears FD_CLOEXEC on the new
// fd). O_NONBLOCK belongs to the open file description: cleared, it is cleared in the parent too.
// Async-signal-safe: fcntl and dup2 only; 0 or the errno. *report_fd moves when it is a target.
static int place_passed_fds(const spawn_request *req, int *report_fd) {
  int above = 3 + (int)req->pass_count, copies[MAX_PASS_FDS];
  if (req->pass_count == 0) return 0;
  if (*report_fd < above && (*report_fd = fcntl(*report_fd, F_DUPFD_CLOEXEC, above)) < 0) return errno;
  for (uint32_t i = 0; i < req->pass_count; i++)
    if ((copies[i] = fcntl(req->pass_fds[i], F_DUPFD_CLOEXEC, above)) < 0) return errno;
  for (uint32_t i = 0; i < req->pass_count; i++) {
    int target = 3 + (int)i, status_flags;
    while (dup2(copies[i], target) < 0)
      if (errno != EINTR) return errno;
    close(copies[i]);
    if ((status_flags = fcntl(target, F_GETFL)) < 0) return errno;
    if ((status_flags & O_NONBLOCK) && fcntl(target, F_SETFL, status_flags & ~O_NONBLOCK) < 0) return errno;
  }
  return 0;
}

// The child's pid in decimal, by hand (no snprintf after vfork), into the slot the parent made.
static void write_pid(char *slot, pid_t pid) {
  char reversed[PID_DIGITS];
  int count = 0;
  do reversed[count++] = (char)('0' + pid % 10);
  while ((pid /= 10) > 0 && count < PID_DIGITS - 1);
  while (count > 0) *slot++ = reversed[--count];
  *slot = '\0';
}

// The vforked child: it borrows the parent's memory and stack until exec, so it only makes
// async-signal-safe calls, writes nothing but its own locals and the pid slot the parent prepared
// for it, and never returns.
static void exec_child(const spawn_request *req, int report_fd) {
  struct sigaction dfl;
  sigset_t empty;
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
  int err = place_passed_fds(req, &report_fd);
  if (err != 0) report_and_exit(report_fd, err);
  if (req->pid_digits != NULL) write_pid(req->pid_digits, getpid());
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, NULL);
  report_and_exit(report_fd, exec_candidates(req, shell_argv));
}

// options.key: a boolean, false when absent; false with a TypeError when it is no boolean.
static bool get_bool_option(napi_env env, napi_value options, const char *key, bool *out) {
  napi_value value;
  napi_valuetype type;
  *out = false;
  if (!get_property(env, options, "spawn options", key, &value)) return false;
  if (napi_typeof(env, value, &type) != napi_ok) return fail(env), false;
  return type == napi_undefined || get_bool(env, value, key, out);
}

// options.key into *value; *present false when it is undefined (absent).
static bool get_optional(napi_env env, napi_value options, const char *key, napi_value *value, bool *present) {
  napi_valuetype type;
  if (!get_property(env, options, "spawn options", key, value)) return false;
  if (napi_typeof(env, *value, &type) != napi_ok) return fail(env), false;
  *present = type != napi_undefined;
  return true;
}

// The length of an entry's NAME: up to its '=' (the whole of a bare name).
static size_t name_length(const char *entry) {
  const char *equals = strchr(entry, '=');
  return equals != NULL ? (size_t)(equals - entry) : strlen(entry);
}

// True when entry's NAME is the name of `other` (an entry or a bare name).
static bool same_name(const char *entry, const char *other) {
  size_t length = name_length(entry);
  return length == name_length(other) && memcmp(entry, other, length) == 0;
}

// True when a given entry or the pid variable from index `from` on names entry's variable.
static bool overridden(const spawn_request *req, const char *entry, size_t from) {
  if (req->pid_entry != NULL && same_name(entry, req->pid_entry)) return true;
  for (size_t i = from; req->given_env != NULL && req->given_env[i] != NULL; i++)
    if (same_name(entry, req->given_env[i])) return true;
  return false;
}

// The envp exec gets: environ's entries but those a given one (or the pid variable) names, then
// the given ones (the last of a name wins), then the pid variable. false when out of memory.
static bool build_environment(spawn_request *req) {
  size_t count = 0, given = 0, n = 0;
  while (environ != NULL && environ[count] != NULL) count++;
  while (req->given_env != NULL && req->given_env[given] != NULL) given++;
  if ((req->built_env = calloc(count + given + 2, sizeof *req->built_env)) == NULL) return false;
  for (size_t i = 0; i < count; i++)
    if (!overridden(req, environ[i], 0)) req->built_env[n++] = environ[i];
  for (size_t i = 0; i < given; i++)
    if (!overridden(req, req->given_env[i], i + 1)) req->built_env[n++] = req->given_env[i];
  if (req->pid_entry != NULL) req->built_env[n++] = req->pid_entry;
  req->envp = req->built_env;
  return true;
}

// options.environment: NAME=VALUE strings or Buffers (NAME non-empty); false with a TypeError.
static bool get_environment(napi_env env, napi_value options, spawn_request *req) {
  napi_value value;
  bool present;
  if (!get_optional(env, options, "environment", &value, &present)) return false;
  if (!present) return true;
  req->given_env = get_string_array(env, value);
  bool valid = req->given_env != NULL;
  for (char **entry = req->given_env; valid && *entry != NULL; entry++) valid = name_length(*entry) > 0 && (*entry)[name_length(*entry)] == '=';
  if (!valid) return throw_type_error(env, "spawn's environment", "be an array of NAME=VALUE strings or Buffers"), false;
  return true;
}

// options.pidVariable: a name (no '='); the entry "NAME=" with room for the pid's digits.
static bool get_pid_variable(napi_env env, napi_value options, spawn_request *req) {
  napi_value value;
  napi_valuetype type;
  bool present;
  char *name;
  if (!get_optional(env, options, "pidVariable", &value, &present)) return false;
  if (!present) return true;
  name = napi_typeof(env, value, &type) == napi_ok && type == napi_string ? get_c_string(env, value) : NULL;
  if (name == NULL || *name == '\0' || strchr(name, '=') != NULL) {
    free(name);
    return throw_type_error(env, "spawn's pidVariable", "be a variable name (a string without '=' or NUL)"), false;
  }
  size_t length = strlen(name);
  req->pid_entry = malloc(length + 1 + PID_DIGITS);
  if (req->pid_entry != NULL) {
    memcpy(req->pid_entry, name, length);
    req->pid_entry[length] = '=';
    req->pid_digits = req->pid_entry + length + 1;
    *req->pid_digits = '\0';
  }
  free(name);
  if (req->pid_entry == NULL) return napi_throw_error(env, "ENOMEM", "spawn: out of memory"), false;
  return true;
}

// options.passFds: at most MAX_PASS_FDS open fds; one not open is a TypeError, before any vfork.
static bool get_pass_fds(napi_env env, napi_value options, spawn_request *req) {
  napi_value value;
  bool present;
  if (!get_optional(env, options, "passFds", &value, &present)) return false;
  if (!present) return true;
  if (!get_int_array(env, value, "spawn's passFds", 0, MAX_PASS_FDS, 0, INT_MAX_D, req->pass_fds, &req->pass_count)) return false;
  for (uint32_t i = 0; i < req->pass_count; i++)
    if (fcntl(req->pass_fds[i], F_GETFD) < 0) return throw_type_error(env, "spawn's passFds", "be open fds"), false;
  return true;
}

// The request from JS's options: false with a TypeError when one is wrong (what it allocated is
// left in req for free_request).
static bool get_options(napi_env env, napi_value options, spawn_request *req) {
  napi_value oom;
  bool present;
  int32_t oom_score_adj;
  if (!get_bool_option(env, options, "newSession", &req->new_session) || !get_bool_option(env, options, "foreground", &req->foreground) ||
      !get_optional(env, options, "oomScoreAdj", &oom, &present))
    return false;
  if (present) {
    if (!get_int(env, oom, "oomScoreAdj", -1000, 1000, &oom_score_adj)) return false;
    snprintf(req->oom_score_adj, sizeof req->oom_score_adj, "%d", (int)oom_score_adj);
  }
  if (!get_environment(env, options, req) || !get_pid_variable(env, options, req) || !get_pass_fds(env, options, req)) return false;
  if ((req->given_env != NULL || req->pid_entry != NULL) && !build_environment(req))
    return napi_throw_error(env, "ENOMEM", "spawn: out of memory"), false;
  return true;
}

// Frees what the request owns.
static void free_request(spawn_request *req) {
  free_string_array(req->paths);
  free_string_array(req->argv);
  free_string_array(req->given_env);
  free(req->built_env);
  free(req->pid_entry);
}

// vfork + exec CMD with a clean signal state in its own process group (or session).
// vfork, not fork: no copy of a 40 MB Node's page tables (1.4 ms -> 0.1 ms measured).
// Returns { pid } or, when exec failed, { errno: 2 } (the failed child is reaped). Every
// allocation (envp included) is made before vfork and freed after it.
napi_value Spawn(napi_env env, napi_callback_info info) {
  napi_value argv[3], result;
  spawn_request req;
  int report[2], child_errno = 0, fork_errno;
  sigset_t all, old;
  ssize_t got;
  pid_t pid;
  memset(&req, 0, sizeof req);
  req.envp = environ;
  if (!get_args(env, info, 3, argv)) return NULL;
  if (!get_options(env, argv[2], &req)) return free_request(&req), NULL;
  req.paths = get_string_array(env, argv[0]);
  req.argv = get_string_array(env, argv[1]);
  if (req.paths == NULL || req.paths[0] == NULL || req.argv == NULL || req.argv[0] == NULL) {
    free_request(&req);
    return throw_type_error(env, "spawn's paths and argv", "be non-empty arrays of strings or Buffers");
  }
  for (req.argc = 0; req.argv[req.argc] != NULL; req.argc++) {
  }
  if (pipe2(report, O_CLOEXEC) != 0) {
    int err = errno;
    free_request(&req);
    return throw_errno(env, "pipe2", err);
  }
  suspend_orphan_reaping();
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  pid = vfork();
  if (pid == 0) exec_child(&req, report[1]);
  fork_errno = errno;
  sigprocmask(SIG_SETMASK, &old, NULL);
  close(report[1]);
  free_request(&req);
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
