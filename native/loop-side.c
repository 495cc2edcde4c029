// The event loop's side of the shared state (see shared-state.h for the handshake it follows).
#define _GNU_SOURCE
#include "loop-side.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "handler.h"
#include "reaper.h"

// The exit half of the armed plan: only the loop reads it.
static struct {
  bool armed, always;
  unsigned char exit_codes[256];
  unsigned char signal_codes[NSIG];
} exit_plan;

// Once a flag is cleared: a handler that read it set finishes first (a few kill()s or waitpid()s
// at most), so none acts on a table, a pid or a handle the loop is about to change or free.
// Yields rather than spins: the handler may be on a thread that shares this CPU.
void wait_out_handlers(void) {
  while (atomic_load(&shared.acting) > 0) sched_yield();
}

// The action the handler hands this process's own faults to, published for handlers.
static void record_previous(int signum, const struct sigaction *action) {
  shared.previous[signum] = *action;
  atomic_store_explicit(&shared.caught[signum], true, memory_order_release);
}

// Whether `action` is the addon's own handler.
static bool is_ours(const struct sigaction *action) {
  return (action->sa_flags & SA_SIGINFO) && action->sa_sigaction == on_signal;
}

// sigaction(signum, on_signal, old): one atomic swap, so `old` tells whether a one-shot handler
// (Node's SIGINT/SIGTERM at boot) already fired. The action it replaces the first time is kept
// for release_signals and for the faults this process raises, recorded before the swap: a fault
// right after it finds it there. Changed in between, it is recorded again under the handshake;
// so is the action of one who replaced ours since (an API host's process.on(), which installs
// libuv's handler): caught again, the signal is ours, and given back it is theirs.
int catch_signal(int signum, struct sigaction *old) {
  struct sigaction action, current;
  bool first = !atomic_load_explicit(&shared.caught[signum], memory_order_relaxed);
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_signal;
  action.sa_flags = SA_RESTART | SA_SIGINFO;
  sigfillset(&action.sa_mask);
  if (first) {
    if (sigaction(signum, NULL, &current) != 0) return -1;
    record_previous(signum, &current);
  }
  if (sigaction(signum, &action, old) != 0) {
    if (first) atomic_store(&shared.caught[signum], false); // no handler of ours reads it
    return -1;
  }
  bool changed = first ? old->sa_handler != current.sa_handler || old->sa_flags != current.sa_flags : !is_ours(old);
  if (changed) {
    atomic_store(&shared.caught[signum], false);
    wait_out_handlers();
    record_previous(signum, old);
  }
  return 0;
}

// These signals, raised by this process, are real faults (set before their handler is installed).
void mark_faults(uint64_t faults) { atomic_fetch_or_explicit(&shared.faults, faults, memory_order_relaxed); }

// Every caught signal gets its action from before back (Node's ignored SIGPIPE included); once
// handlers are waited out, `previous` may be written again.
void release_signals(void) {
  for (int signum = 1; signum < NSIG; signum++) {
    if (!atomic_load_explicit(&shared.caught[signum], memory_order_relaxed)) continue;
    sigaction(signum, &shared.previous[signum], NULL);
    atomic_store(&shared.caught[signum], false);
  }
  atomic_store_explicit(&shared.faults, 0, memory_order_relaxed);
  wait_out_handlers();
}

// Arrivals from now on wake the loop through `wake`.
void set_wake(uv_async_t *wake) { atomic_store(&shared.wake, wake); }

// No handler uses the handle once this returns: it may be closed.
void clear_wake(void) {
  atomic_store(&shared.wake, NULL);
  wait_out_handlers();
}

// The arrivals of `signum` counted since the last take.
unsigned int take_count(int signum) { return atomic_exchange(&shared.counts[signum], 0); }

// Arrivals nobody will take (the watch ends).
void drop_counts(void) {
  for (int signum = 1; signum < NSIG; signum++) atomic_store(&shared.counts[signum], 0);
}

// What the fast path did with `signum` since the last take; false when nothing.
bool take_report(int signum, struct forward_report *report) {
  report->forwarded = atomic_exchange(&shared.forwarded[signum], 0);
  report->failed = atomic_exchange_explicit(&shared.failed[signum], 0, memory_order_acquire);
  report->last_errno = report->failed > 0 ? atomic_load_explicit(&shared.last_errno[signum], memory_order_relaxed) : 0;
  return report->forwarded > 0 || report->failed > 0;
}

// Signals and exits go to JS again; returns once no handler acts on the plan.
void disarm_plan(void) {
  atomic_store(&shared.armed, false);
  exit_plan.armed = false;
  wait_out_handlers();
}

// The plan from now on: the old one is disarmed and waited out before a table changes.
void arm_plan(const struct fast_path_plan *plan) {
  disarm_plan();
  shared.plan = plan->tables;
  atomic_store(&shared.reap_orphans, plan->reap_orphans);
  exit_plan.armed = plan->exit;
  exit_plan.always = plan->exit_always;
  memcpy(exit_plan.exit_codes, plan->exit_codes, sizeof exit_plan.exit_codes);
  memcpy(exit_plan.signal_codes, plan->signal_codes, sizeof exit_plan.signal_codes);
  atomic_store(&shared.armed, true);
}

// Before a spawn: a child that ends before JS makes it a target must not be reaped as an orphan,
// so handlers stop reaping until the next arm_plan (SIGCHLD goes to JS meanwhile).
void suspend_orphan_reaping(void) {
  atomic_store(&shared.reap_orphans, false);
  wait_out_handlers();
}

// Whether `pid` is among `only` (all are, with no list).
static bool wanted(pid_t pid, const pid_t *only, size_t only_count) {
  if (only == NULL) return true;
  for (size_t i = 0; i < only_count; i++)
    if (only[i] == pid) return true;
  return false;
}

// waitpid every exited child into the list for JS (its comm read first, with `names`), those in
// `only` alone when given: an orphan storm then fills no list. A target's end disarms the plan
// before its waitpid, while its pid cannot yet be another process's. 0, or the errno.
int reap_into_list(bool names, const pid_t *only, size_t only_count) {
  for (;;) {
    struct reaped_child *slot = reserve_reaped();
    pid_t pid;
    if (slot == NULL) return 0; // out of memory: the rest stays for the next call
    if ((pid = peek_exited_child()) <= 0) return pid == 0 ? 0 : errno;
    if (names) read_comm(pid, slot->name);
    else slot->name[0] = '\0';
    if (atomic_load_explicit(&shared.armed, memory_order_relaxed) && is_target(pid)) disarm_plan();
    if (waitpid(pid, &slot->status, WNOHANG) != pid) continue; // a handler reaped that orphan
    slot->pid = pid;
    if (wanted(pid, only, only_count)) commit_reaped();
  }
}

// The exit code for a target's status, from JS's tables.
static int exit_code_of(int status) {
  return WIFSIGNALED(status) ? exit_plan.signal_codes[WTERMSIG(status)] : exit_plan.exit_codes[WEXITSTATUS(status)];
}

// A forward the kernel refused and JS has not yet warned of.
static bool failure_unreported(void) {
  for (int signum = 1; signum < NSIG; signum++)
    if (atomic_load_explicit(&shared.failed[signum], memory_order_relaxed) > 0) return true;
  return false;
}

// A SIGCHLD the loop takes with orphans reaped by the plan: true when a target ended (or the
// reaping failed), which JS is to hear of. The plan is disarmed, every exited child goes to the
// list, and with the exit armed (and nothing else left, or always) the process ends here, unless
// a refused forward still waits for JS's warning.
static bool target_ended(void) {
  bool exit_armed = exit_plan.armed && !failure_unreported(), always = exit_plan.always;
  pid_t target = reap_orphans(is_target);
  if (target <= 0) return target < 0;
  disarm_plan();
  if (reap_into_list(true, NULL, 0) != 0) return true;
  for (size_t i = reaped_count(); i-- > 0;)
    if (reaped_at(i)->pid == target && exit_armed && (always || nothing_left())) _exit(exit_code_of(reaped_at(i)->status));
  return true;
}

// On the loop after a wake: orphans reaped and a target's end dealt with (see target_ended);
// true when JS has anything to see: counted arrivals (a target's end leaves a SIGCHLD counted)
// or a fast-path report.
bool after_wake(void) {
  bool report = atomic_exchange(&shared.report_pending, false);
  if (atomic_load_explicit(&shared.armed, memory_order_relaxed) && atomic_load_explicit(&shared.reap_orphans, memory_order_relaxed) &&
      take_count(SIGCHLD) > 0 && target_ended())
    atomic_fetch_add(&shared.counts[SIGCHLD], 1);
  for (int signum = 1; signum < NSIG && !report; signum++) report = atomic_load(&shared.counts[signum]) > 0;
  return report;
}
