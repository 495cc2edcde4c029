// The signal thread: every caught signal but the faults is taken with sigwaitinfo on a thread of
// the addon's and blocked in every other thread, as tini takes them, so none interrupts the loop's
// epoll_pwait (a signal frame, an rt_sigreturn and an EINTR each).
#define _GNU_SOURCE
#include "signal-thread.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#include "handler.h"
#include "shared-state.h"

// The thread's set, from the mask the loop wrote before making it.
static sigset_t thread_set(void) {
  uint64_t mask = atomic_load_explicit(&shared.on_thread, memory_order_relaxed);
  sigset_t set;
  sigemptyset(&set);
  for (int signum = 1; signum < NSIG; signum++)
    if (mask & SIGNAL_BIT(signum)) sigaddset(&set, signum);
  return set;
}

// What the handler does, done between two sigwaitinfo calls. Faults are never in the set: a
// synchronous fault must reach the handler on the thread that faulted.
static void take_signals(void *unused) {
  sigset_t set = thread_set();
  (void)unused;
  prctl(PR_SET_NAME, "tsinit-signals", 0, 0, 0);
  for (;;) {
    siginfo_t info;
    int signum = sigwaitinfo(&set, &info);
    if (signum > 0 && !is_block_message(&info) && !raised_here(signum, &info)) take_signal(signum);
  }
}

// Asks every thread but this one to block the thread's signals: Node's threads exist already and
// do not block them, and a thread's mask can only be set by that thread. The request is one of
// those signals, queued to each thread with the block message's address (see on_signal).
static void send_block_message(void) {
  pid_t self = (pid_t)syscall(SYS_gettid);
  uint64_t mask = atomic_load_explicit(&shared.on_thread, memory_order_relaxed);
  int carrier = 1;
  DIR *tasks;
  struct dirent *task;
  while (carrier < NSIG && !(mask & SIGNAL_BIT(carrier))) carrier++;
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

// Once, for a process that is the init's alone: the masks are never given back. Threads made
// later inherit the loop thread's mask. 0, or the errno when no thread could be made (pids.max:
// the handler goes on alone).
int start_signal_thread(void) {
  static bool started;
  sigset_t all, old, on_thread;
  uv_thread_t thread;
  uv_thread_options_t options = {UV_THREAD_HAS_STACK_SIZE, 64 * 1024};
  uint64_t mask = 0;
  if (started) return 0;
  for (int signum = 1; signum < NSIG; signum++)
    if (atomic_load_explicit(&shared.caught[signum], memory_order_relaxed)) mask |= SIGNAL_BIT(signum);
  mask &= ~atomic_load_explicit(&shared.faults, memory_order_relaxed);
  atomic_store_explicit(&shared.on_thread, mask, memory_order_relaxed);
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old); // the thread starts with every signal blocked
  int err = uv_thread_create_ex(&thread, &options, take_signals, NULL);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (err != 0) return -err;
  started = true;
  on_thread = thread_set();
  sigprocmask(SIG_BLOCK, &on_thread, NULL);
  send_block_message();
  return 0;
}
