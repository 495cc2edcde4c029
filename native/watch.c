// The Node-API side of signals: catching them, the watch that wakes JS, taking what was counted,
// the signal thread, and reaping for JS.
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "args.h"
#include "exports.h"
#include "loop-callback.h"
#include "loop-side.h"
#include "reaper.h"
#include "signal-thread.h"

// The watch: at most one at a time. Loop-only.
static struct {
  struct loop_callback on_wake;
  uv_async_t *wake;
} watch;

// catchSignals(signals, faults): the addon's handler for each signal; arrivals from now on are
// counted (held) until taken. Returns each one's previous disposition.
napi_value CatchSignals(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  int32_t signals[NSIG - 1];
  uint32_t count;
  uint64_t faults;
  struct sigaction old;
  if (!get_args(env, info, 2, argv) || !get_int_array(env, argv[0], "signals", 0, NSIG - 1, 1, NSIG - 1, signals, &count) ||
      !get_signal_mask(env, argv[1], "faults", &faults))
    return NULL;
  mark_faults(faults);
  CHECK(napi_create_array_with_length(env, count, &result));
  for (uint32_t i = 0; i < count; i++) {
    if (catch_signal(signals[i], &old) != 0) return throw_errno(env, "sigaction", errno);
    CHECK(napi_set_element(env, result, i, make_disposition(env, &old)));
  }
  return result;
}

// On the loop after a handler's uv_async_send: the loop's share of the work (see after_wake),
// then one call to onWake when JS has anything to see.
static void on_wake(uv_async_t *wake) {
  (void)wake;
  if (!after_wake() || watch.on_wake.env == NULL) return;
  call_loop_callback(&watch.on_wake, NULL);
}

// uv_close's callback: the handle's memory, once libuv is done with it.
static void free_handle(uv_handle_t *handle) { free(handle); }

// The watch's handles, released; the uv_async only once no handler can still send to it.
static void end_watch(void) {
  clear_wake();
  if (watch.wake != NULL) uv_close((uv_handle_t *)watch.wake, free_handle);
  watch.wake = NULL;
  drop_loop_callback(&watch.on_wake);
}

// watchSignals(onWake): a uv_async the handler wakes; onWake is called on the loop whenever JS
// has something to take. The handle stays ref'd: it is what keeps the init's loop alive, with no
// timer and no wake-up. Arrivals held before it wake it at once.
napi_value WatchSignals(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  uv_loop_t *loop;
  if (!get_args(env, info, 1, argv) || !is_function(env, argv[0], "onWake")) return NULL;
  if (watch.on_wake.env != NULL) return napi_throw_error(env, NULL, "signals are already watched: call unwatchSignals first"), NULL;
  CHECK(napi_get_uv_event_loop(env, &loop));
  if (!keep_loop_callback(env, argv[0], "tsinit:signal", &watch.on_wake)) return NULL;
  if ((watch.wake = malloc(sizeof *watch.wake)) == NULL) {
    drop_loop_callback(&watch.on_wake);
    return throw_errno(env, "malloc", ENOMEM);
  }
  if (uv_async_init(loop, watch.wake, on_wake) != 0) {
    free(watch.wake);
    watch.wake = NULL;
    drop_loop_callback(&watch.on_wake);
    return throw_errno(env, "uv_async_init", EINVAL);
  }
  set_wake(watch.wake);
  uv_async_send(watch.wake); // on_wake calls JS only if something was held
  return NULL;
}

// The arrivals counted and not yet taken, each as often as it came, ascending by signal.
napi_value TakeSignals(napi_env env, napi_callback_info info) {
  napi_value list;
  uint32_t length = 0;
  CHECK(napi_create_array(env, &list));
  for (int signum = 1; signum < NSIG; signum++)
    for (unsigned int count = take_count(signum); count > 0; count--) CHECK(napi_set_element(env, list, length++, make_int(env, signum)));
  return list;
}

// Undoes catchSignals and watchSignals: the programmatic API gives the host its signals back.
napi_value UnwatchSignals(napi_env env, napi_callback_info info) {
  end_watch();
  disarm_plan();
  release_signals();
  drop_counts();
  return NULL;
}

// takeSignalsOnThread(): see signal-thread.c. 0, or the errno when no thread could be made.
napi_value TakeSignalsOnThread(napi_env env, napi_callback_info info) { return make_int(env, start_signal_thread()); }

// Whether the list's child is one JS asked for.
static bool asked_for(pid_t pid, const int32_t *only, uint32_t only_count) {
  for (uint32_t i = 0; i < only_count; i++)
    if (only[i] == pid) return true;
  return only == NULL;
}

// reapAll(onlyPids?): waitpid until no exited child is left (one SIGCHLD may stand for many
// exits), with the statuses the loop reaped before; every child with its name, or only those in
// onlyPids: an orphan storm then makes no objects. A list that failed to be made is kept.
napi_value ReapAll(napi_env env, napi_callback_info info) {
  napi_value argv[1] = {NULL}, list;
  napi_valuetype type = napi_undefined;
  size_t argc = 1;
  int32_t pids[MAX_TARGETS], *only = NULL;
  uint32_t only_count = 0, length = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1) CHECK(napi_typeof(env, argv[0], &type));
  if (type != napi_undefined) {
    if (!get_int_array(env, argv[0], "onlyPids", 0, MAX_TARGETS, 1, INT_MAX_D, pids, &only_count)) return NULL;
    only = pids;
  }
  int err = reap_into_list(only == NULL, only, only_count);
  if (err != 0) return throw_errno(env, "waitid", err);
  CHECK(napi_create_array(env, &list));
  for (size_t i = 0; i < reaped_count(); i++) {
    if (!asked_for(reaped_at(i)->pid, only, only_count)) continue;
    napi_value entry = make_reaped(env, reaped_at(i), only == NULL);
    if (entry == NULL) return NULL;
    CHECK(napi_set_element(env, list, length++, entry));
  }
  clear_reaped();
  return list;
}
