// reapUnowned(): a Node app as its own PID 1 reaps the orphans it adopts, and only those. The
// exited children of the calling thread are peeked at without being reaped (waitid with WNOWAIT
// and __WNOTHREAD); one that an active process handle of the thread's libuv loop owns (spawn,
// exec, execFile, fork, cluster.fork) is left to libuv, and every other one is reaped here.
//
// Its limits, in plain words:
// - A child that a native addon forks itself on the main thread, outside libuv, has no process
//   handle, so it looks like an orphan and is reaped here. An addon that reaps its child later
//   with waitpid(pid, WNOHANG), as node-pty does, then gets ECHILD: that child's status is lost
//   to it (test/node-pty-case.test.ts keeps the record). Apps with such addons should run under
//   the CLI (`tsinit -- node app.js`), which owns no children of the app's.
// - Zombies wait while the main thread is busy: this runs only on the loop.
// - waitid shows one exited child at a time, in the kernel's order, and cannot look past it. A
//   zombie libuv owns at the head stops the pass (`blocked`); libuv reaps it in its own SIGCHLD
//   callback in the same loop turn, and the pass runs again after that (on the check phase).
// - spawnSync's own loop and worker threads' loops are not walked, and need not be: spawnSync
//   reaps its child before JS runs again, and __WNOTHREAD keeps other threads' children out.
// - At most UNOWNED_MAX children per call, so that a storm of exits cannot starve the loop:
//   `blocked` is true then too, so the pass comes back.
// Loop-only (the thread whose loop napi_get_uv_event_loop gives); never from a signal handler.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <uv.h>

#include "args.h"
#include "exports.h"
#include "loop-callback.h"
#include "reaper.h"

#ifndef UNOWNED_MAX // a test builds it smaller
#define UNOWNED_MAX 4096
#endif

// The pids of the loop's active process handles, collected afresh by each call. Loop-only.
static struct {
  pid_t *pids;
  size_t count, capacity;
  bool out_of_memory;
} owned;

// Children reaped and not yet handed to JS: a list that failed to be made is kept for the next
// call, so a reaped status is never lost. Loop-only.
static struct reaped_child reaped[UNOWNED_MAX];
static size_t reaped_length;

// uv_walk's callback: a process handle still waiting for its child's end owns that pid.
static void collect_owned(uv_handle_t *handle, void *unused) {
  (void)unused;
  if (handle->type != UV_PROCESS || !uv_is_active(handle) || owned.out_of_memory) return;
  if (owned.count == owned.capacity) {
    size_t grown_capacity = owned.capacity ? 2 * owned.capacity : 64;
    pid_t *grown = realloc(owned.pids, grown_capacity * sizeof *grown);
    if (grown == NULL) {
      owned.out_of_memory = true;
      return;
    }
    owned.pids = grown;
    owned.capacity = grown_capacity;
  }
  owned.pids[owned.count++] = ((uv_process_t *)handle)->pid;
}

// Whether libuv waits for `pid`'s end.
static bool is_owned(pid_t pid) {
  for (size_t i = 0; i < owned.count; i++)
    if (owned.pids[i] == pid) return true;
  return false;
}

// The next exited child of this thread (not of Node's other threads), left a zombie: its pid,
// 0 when none has exited or there is no child, -1 on another error.
static pid_t peek_own_child(void) {
  siginfo_t info;
  info.si_pid = 0;
  if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT | __WNOTHREAD) != 0) return errno == ECHILD ? 0 : -1;
  return info.si_pid;
}

// Reaps exited children that libuv does not own into `reaped`, with `names` their names read while
// they are zombies (three syscalls each, for logs only), until none is left (false), a libuv-owned
// one heads the queue or the bound is hit (true). -1 with errno on an unexpected error.
static int reap_unowned(bool names) {
  for (unsigned int peeks = 0; peeks < UNOWNED_MAX && reaped_length < UNOWNED_MAX; peeks++) {
    struct reaped_child *slot = &reaped[reaped_length];
    pid_t pid = peek_own_child();
    if (pid <= 0) return pid;
    if (is_owned(pid)) return true;
    if (names) read_comm(pid, slot->name);
    else slot->name[0] = '\0';
    if (waitpid(pid, &slot->status, WNOHANG | __WNOTHREAD) != pid) continue; // gone meanwhile
    slot->pid = pid;
    reaped_length++;
  }
  return true;
}

// One pass: the loop's owned pids collected afresh (none at the exit: libuv reaps nothing more),
// then the reaping. 1: blocked (libuv's zombie at the head, the bound, or no memory to know what
// libuv owns), 0: done, -1 with errno.
static int pass(uv_loop_t *loop, bool names, bool at_exit) {
  owned.count = 0;
  owned.out_of_memory = false;
  if (!at_exit) uv_walk(loop, collect_owned, NULL);
  if (owned.out_of_memory) return (errno = ENOMEM), -1;
  return reap_unowned(names);
}

// The children reaped so far as a JS list of Reaped, then forgotten; NULL (kept) on a failure.
static napi_value take_reaped(napi_env env) {
  napi_value list;
  if (napi_create_array_with_length(env, reaped_length, &list) != napi_ok) return NULL;
  for (size_t i = 0; i < reaped_length; i++) {
    napi_value entry = make_reaped(env, &reaped[i], true);
    if (entry == NULL || napi_set_element(env, list, i, entry) != napi_ok) return NULL;
  }
  reaped_length = 0;
  return list;
}

// reapUnowned(atExit = false): { reaped: Reaped[], blocked }, one pass as the comment at the top
// says; at the exit, the main thread's children that libuv owned too (never a worker thread's,
// whose spawnSync may still wait for its own).
napi_value ReapUnowned(napi_env env, napi_callback_info info) {
  napi_value argv[1], result, list;
  napi_valuetype type;
  size_t argc = 1;
  uv_loop_t *loop;
  bool at_exit = false;
  int blocked;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1 && napi_typeof(env, argv[0], &type) == napi_ok && type != napi_undefined && !get_bool(env, argv[0], "atExit", &at_exit)) return NULL;
  CHECK(napi_get_uv_event_loop(env, &loop));
  if ((blocked = pass(loop, true, at_exit)) < 0) return throw_errno(env, errno == ENOMEM ? "realloc" : "waitid", errno); // the reaped stay for the next call
  if ((list = take_reaped(env)) == NULL) return fail(env);
  CHECK(napi_create_object(env, &result));
  CHECK(napi_set_named_property(env, result, "reaped", list));
  CHECK(napi_set_named_property(env, result, "blocked", make_bool(env, blocked)));
  return result;
}

// The watch of orphans: the same pass, run by the addon itself on each SIGCHLD, with no JS, so
// an orphan costs the app the loop's wake and a few syscalls. Its libuv signal watcher and check
// handle are unref'd: the watch never keeps the app alive. A pass blocked by libuv's zombie runs
// again on the loop's check phase, after libuv's own SIGCHLD callback took it (at most
// RETRIES_PER_SIGCHLD times, and again only while passes still reap, so nothing spins). JS hears
// of the passes only while reporting is on (orphans logged, a tree stop under way): onReaped is
// then called after every pass, with what it reaped. Loop-only, one watch per process.
#define RETRIES_PER_SIGCHLD 3
static struct {
  struct loop_callback on_reaped;
  uv_signal_t chld;
  uv_check_t retry;
  bool report;
  int retries;
} orphans;

// After a pass: onReaped(reaped) when reporting (a list that fails to be made is kept, and no
// call made), else the statuses dropped (they are orphans').
static void hand_to_js(void) {
  if (orphans.report) call_loop_callback(&orphans.on_reaped, take_reaped);
  else reaped_length = 0;
}

static void on_retry(uv_check_t *retry);

// A pass, its report, and its retry on the check phase when blocked.
static void watched_pass(uv_loop_t *loop) {
  size_t before = reaped_length;
  int blocked = pass(loop, orphans.report, false); // an unexpected error: the next SIGCHLD tries again
  bool reaped_now = reaped_length > before;
  hand_to_js();
  if (blocked == 1 && orphans.retries < RETRIES_PER_SIGCHLD && (orphans.retries == 0 || reaped_now)) {
    orphans.retries++;
    uv_check_start(&orphans.retry, on_retry);
  }
}

static void on_chld(uv_signal_t *chld, int signum) {
  (void)signum;
  orphans.retries = 0;
  watched_pass(chld->loop);
}

static void on_retry(uv_check_t *retry) {
  uv_check_stop(retry);
  watched_pass(retry->loop);
}

// watchOrphans(onReaped): the watch above, started.
napi_value WatchOrphans(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  uv_loop_t *loop;
  if (!get_args(env, info, 1, argv) || !is_function(env, argv[0], "onReaped")) return NULL;
  if (orphans.on_reaped.env != NULL) return napi_throw_error(env, NULL, "orphans are already watched in this process"), NULL;
  CHECK(napi_get_uv_event_loop(env, &loop));
  if (!keep_loop_callback(env, argv[0], "tsinit:orphans", &orphans.on_reaped)) return NULL;
  if (uv_signal_init(loop, &orphans.chld) != 0 || uv_check_init(loop, &orphans.retry) != 0 || uv_signal_start(&orphans.chld, on_chld, SIGCHLD) != 0) {
    drop_loop_callback(&orphans.on_reaped);
    return throw_errno(env, "uv_signal_start", EINVAL);
  }
  uv_unref((uv_handle_t *)&orphans.chld);
  uv_unref((uv_handle_t *)&orphans.retry);
  return NULL;
}

// reportOrphans(on): whether onReaped hears of every pass from now on.
napi_value ReportOrphans(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool on;
  if (!get_args(env, info, 1, argv) || !get_bool(env, argv[0], "on", &on)) return NULL;
  orphans.report = on;
  return NULL;
}
