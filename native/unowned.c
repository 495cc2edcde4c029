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
// - Zombies wait while the main thread is busy: this runs only when JS calls it on the loop.
// - waitid shows one exited child at a time, in the kernel's order, and cannot look past it. A
//   zombie libuv owns at the head stops the pass (`blocked`); libuv reaps it in its own SIGCHLD
//   callback in the same loop turn, and JS calls again after that (on the check phase).
// - spawnSync's own loop and worker threads' loops are not walked, and need not be: spawnSync
//   reaps its child before JS runs again, and __WNOTHREAD keeps other threads' children out.
// - At most UNOWNED_MAX children per call, so that a storm of exits cannot starve the loop:
//   `blocked` is true then too, so JS comes back.
// Loop-only (the thread whose loop napi_get_uv_event_loop gives); never from a signal handler.
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <uv.h>

#include "args.h"
#include "exports.h"
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

// Reaps exited children that libuv does not own into `reaped`, their names read while they are
// zombies, until none is left (false), a libuv-owned one heads the queue or the bound is hit
// (true). -1 with errno on an unexpected error.
static int reap_unowned(void) {
  for (unsigned int peeks = 0; peeks < UNOWNED_MAX && reaped_length < UNOWNED_MAX; peeks++) {
    struct reaped_child *slot = &reaped[reaped_length];
    pid_t pid = peek_own_child();
    if (pid <= 0) return pid;
    if (is_owned(pid)) return true;
    read_comm(pid, slot->name);
    if (waitpid(pid, &slot->status, WNOHANG | __WNOTHREAD) != pid) continue; // gone meanwhile
    slot->pid = pid;
    reaped_length++;
  }
  return true;
}

// reapUnowned(): { reaped: Reaped[], blocked }, as the comment at the top says.
napi_value ReapUnowned(napi_env env, napi_callback_info info) {
  napi_value result, list;
  uv_loop_t *loop;
  int blocked;
  CHECK(napi_get_uv_event_loop(env, &loop));
  owned.count = 0;
  owned.out_of_memory = false;
  uv_walk(loop, collect_owned, NULL);
  if (owned.out_of_memory) return throw_errno(env, "realloc", ENOMEM);
  if ((blocked = reap_unowned()) < 0) return throw_errno(env, "waitid", errno); // the reaped stay for the next call
  CHECK(napi_create_array_with_length(env, reaped_length, &list));
  for (size_t i = 0; i < reaped_length; i++) {
    napi_value entry = make_reaped(env, &reaped[i], true);
    if (entry == NULL) return NULL;
    CHECK(napi_set_element(env, list, i, entry));
  }
  CHECK(napi_create_object(env, &result));
  CHECK(napi_set_named_property(env, result, "reaped", list));
  CHECK(napi_set_named_property(env, result, "blocked", make_bool(env, blocked)));
  reaped_length = 0;
  return result;
}
