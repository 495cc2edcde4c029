// The signal handler: a signal this process raised is ignored, or, a fault, given to the action
// from before; a signal from outside takes the fast path's plan (forwarded to every target,
// orphans reaped) or is counted for JS, and the loop is woken.
//
// Its limits, as libuv's src/unix/signal.c states its own:
// - It runs on whichever thread the kernel picks, the loop's included, or on the signal thread
//   (take_signal). What it shares with the loop is in shared-state.h, under the handshake there.
// - Only async-signal-safe calls: kill, waitid, waitpid, getpid, gettid, tgkill, sigaction and
//   uv_async_send (which libuv documents as safe in a handler). No Node-API, no malloc, no lock.
// - errno is saved and restored: the code it interrupts may be between a call and its errno check.
// - A count is an unsigned int: 2^32 arrivals of one signal between two takes would wrap.
// - Every caught signal is blocked while it runs (full sa_mask), so it never nests; a real fault
//   inside it kills the process with that fault's signal (the kernel forces it), as it should.
#define _GNU_SOURCE
#include "handler.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "reaper.h"
#include "shared-state.h"

struct shared_state shared;
const char block_message;

// One of the signals catchSignals was told are faults (SEGV BUS FPE ILL TRAP ABRT SYS).
static bool is_fault(int signum) {
  return (atomic_load_explicit(&shared.faults, memory_order_relaxed) & SIGNAL_BIT(signum)) != 0;
}

// True when this process raised the signal itself, so it is nobody's request to act: sent by one
// of its threads (kill, tgkill, sigqueue, raise, abort, a write to a closed pipe: si_pid is ours),
// a POSIX timer of its own (SI_TIMER, whose si_pid field holds a timer id), or a fault the kernel
// raised on one of its threads (si_code > 0). A terminal's ^C or SIGWINCH also comes with
// si_code SI_KERNEL: from outside, unless the signal is a fault.
bool raised_here(int signum, const siginfo_t *info) {
  if (info->si_code > 0) return is_fault(signum);
  return info->si_code == SI_TIMER || info->si_pid == getpid();
}

// Our own request that this thread block the signal thread's signals (see signal-thread.c).
bool is_block_message(const siginfo_t *info) {
  return info->si_code == SI_QUEUE && info->si_pid == getpid() && info->si_value.sival_ptr == &block_message;
}

// A mask set in a handler is undone by its return: the one the return restores gets the signals.
static void block_thread_signals(ucontext_t *interrupted) {
  uint64_t blocked = atomic_load_explicit(&shared.on_thread, memory_order_relaxed);
  for (int signum = 1; signum < NSIG; signum++)
    if (blocked & SIGNAL_BIT(signum)) sigaddset(&interrupted->uc_sigmask, signum);
}

// The signal again to this thread, delivered once this handler returns (it is blocked till then).
static void raise_again(int signum) { syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), signum); }

// A fault of this process's own goes where it went before the addon caught it: the previous
// handler (Node's, for a WebAssembly trap), or the default action, so the process dies of it with
// its core. The bracket covers only the copy: a previous handler may never return.
static void to_previous_action(int signum, siginfo_t *info, void *context) {
  struct sigaction before;
  atomic_fetch_add(&shared.acting, 1);
  bool known = atomic_load(&shared.caught[signum]);
  if (known) before = shared.previous[signum];
  atomic_fetch_sub(&shared.acting, 1);
  if (!known) {
    // The kernel chose this handler just before the action was given back (or while it is being
    // recorded): delivered again, the signal meets the action in place by then.
    raise_again(signum);
    return;
  }
  if (before.sa_handler != SIG_DFL && before.sa_handler != SIG_IGN) {
    if (before.sa_flags & SA_SIGINFO) before.sa_sigaction(signum, info, context);
    else before.sa_handler(signum);
    return;
  }
  // The default action, once this handler returns. (As a namespace's PID 1 the kernel drops it;
  // a real fault then faults again on return and the kernel forces it, and abort() ends the
  // process itself.)
  struct sigaction default_action = {.sa_handler = SIG_DFL};
  sigaction(signum, &default_action, NULL);
  raise_again(signum);
}

// The handler for every caught signal.
void on_signal(int signum, siginfo_t *info, void *context) {
  int saved_errno = errno;
  if (is_block_message(info)) block_thread_signals(context);
  else if (!raised_here(signum, info)) take_signal(signum);
  else if (is_fault(signum)) to_previous_action(signum, info, context);
  errno = saved_errno;
}

// The plan's view, inside a handler's bracket with the plan armed, or on the loop (its writer).
bool is_target(pid_t pid) {
  for (unsigned int i = 0; i < shared.plan.target_count; i++)
    if (shared.plan.targets[i] == pid) return true;
  return false;
}

// kill() to the target's group, or to the target when alone or when its group is gone: 0 or the errno.
static int send_to(pid_t target, int as) {
  if (shared.plan.group) {
    if (kill(-target, as) == 0) return 0;
    if (errno != ESRCH) return errno;
  }
  return kill(target, as) == 0 ? 0 : errno;
}

// An arrival the plan takes: counted once, before any kill() (JS, draining the report after it
// reaps a target, must know a death may come from it), then sent as `as` to every target, or
// dropped (-1). True when the loop must hear of it: with `report`, or after a failure (ESRCH is
// none: that target has just ended). Failures count per target.
static bool forward(int signum, int as) {
  bool wake = shared.plan.report;
  atomic_fetch_add(&shared.forwarded[signum], 1);
  for (unsigned int i = 0; as > 0 && i < shared.plan.target_count; i++) {
    int err = send_to(shared.plan.targets[i], as);
    if (err != 0 && err != ESRCH) {
      atomic_store_explicit(&shared.last_errno[signum], err, memory_order_relaxed);
      atomic_fetch_add_explicit(&shared.failed[signum], 1, memory_order_release);
      wake = true;
    }
  }
  if (wake) atomic_store(&shared.report_pending, true);
  return wake;
}

// A signal from outside, in the handler or on the signal thread: the plan's forward, drop or
// orphan reaping, else a count for JS; the loop is woken when JS has something to see.
void take_signal(int signum) {
  bool count = true, wake = true;
  atomic_fetch_add(&shared.acting, 1);
  if (atomic_load(&shared.armed)) {
    int as = shared.plan.forward_as[signum];
    if (signum == SIGCHLD && atomic_load(&shared.reap_orphans)) {
      count = wake = reap_orphans(is_target) != 0; // 0: every child that ended was an orphan
    } else if (as != 0) {
      count = false;
      wake = forward(signum, as);
    }
  }
  if (count) atomic_fetch_add(&shared.counts[signum], 1);
  uv_async_t *handle = wake ? atomic_load(&shared.wake) : NULL;
  if (handle != NULL) uv_async_send(handle);
  atomic_fetch_sub(&shared.acting, 1);
}
