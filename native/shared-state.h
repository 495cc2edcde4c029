// Everything the signal handler (on whichever thread the kernel picks), the signal thread and the
// event loop share: one struct, one instance (`shared`, defined in handler.c). No other file-scope
// state is touched from more than one of those contexts.
//
// The handshake, used for `armed`, `wake` and `caught`: a handler increments `acting`, then loads
// the flag; the loop stores the flag, then waits until `acting` is 0 (wait_out_handlers). Both
// sides are seq_cst: in their single total order either the handler's load comes after the loop's
// store (it sees the flag cleared and leaves what it guards alone), or the loop's load of `acting`
// comes after the handler's increment (the loop waits for that handler to leave). With acquire and
// release alone each side may miss the other's store (a store then a load of another location
// may be reordered), and the loop could free or rewrite what a handler still reads.
#ifndef TSINIT_SHARED_STATE_H
#define TSINIT_SHARED_STATE_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

// armFastPath takes at most this many targets (a pool's runs): each forward scans them all.
#define MAX_TARGETS 1024

// Signal n's bit in the 64-bit masks below.
#define SIGNAL_BIT(signum) (UINT64_C(1) << ((signum) - 1))

// The fast path's plan. Plain fields: the loop writes them only while `armed` is false and no
// handler acts (arm_plan waits them out first); handlers read them only inside their `acting`
// bracket after loading `armed` true, whose seq_cst store (a release) came after the writes. A
// handler on the loop's own thread cannot interrupt the writes with `armed` true: the loop clears
// it before it starts them. The TSAN test checks exactly this.
struct plan_tables {
  pid_t targets[MAX_TARGETS];
  unsigned int target_count;
  bool group;        // kill(-target): to each target's process group, or to the target alone
  bool report;       // every forward wakes the loop (a failure always does)
  int forward_as[NSIG]; // 0: counted for JS; -1: dropped; n > 0: forwarded as signal n
};

struct shared_state {
  // Handlers (and the signal thread) between their first and last look at the fields below.
  // Written: handlers, +1 at entry and -1 at exit (seq_cst). Read: the loop (wait_out_handlers,
  // seq_cst). The -1 is a release and the loop's load an acquire: once it reads 0, every read a
  // handler made happens-before what the loop does next.
  _Atomic unsigned int acting;

  // Arrivals counted and not yet taken, per signal. Written: handlers (+1), the loop (exchange
  // with 0 in takeSignals and the loop-side SIGCHLD, store 0 in unwatchSignals). All seq_cst: a
  // count is never lost nor taken twice (any read-modify-write gives that), and the +1 is ordered
  // before the uv_async_send that follows, whose callback sees what was written before it.
  _Atomic unsigned int counts[NSIG];

  // The watch's uv_async, NULL when nobody watches. Written: the loop (watchSignals, and
  // unwatchSignals, which then waits out handlers before it closes the handle: the handshake).
  // Read: handlers, before uv_async_send. seq_cst.
  _Atomic(uv_async_t *) wake;

  // What the fast path took per received signal (one per arrival, forwarded to every target or
  // dropped), and its failures per target (other than ESRCH).
  // forwarded: +1 by handlers before the arrival's first kill() (seq_cst: counted before the
  // signal can act, since JS drains the report after it reaps a target), exchanged by the loop
  // (seq_cst).
  // last_errno: stored by handlers (relaxed) before their +1 of failed (release); the loop
  // exchanges failed (acquire), then loads last_errno (relaxed): it sees that failure's errno
  // or a later one.
  _Atomic unsigned int forwarded[NSIG];
  _Atomic unsigned int failed[NSIG];
  _Atomic int last_errno[NSIG];

  // A forward the loop must hear of (`report`, or a failure). Set by handlers before
  // uv_async_send, exchanged with false by the loop's wake. seq_cst, as `counts`.
  _Atomic bool report_pending;

  // The plan is in force. Written: the loop (arm_plan, disarm_plan), seq_cst: the handshake.
  // Read: handlers, seq_cst, inside their bracket, before any field of `plan`.
  _Atomic bool armed;

  // Handlers reap exited children that are no target. Written: the loop (arm_plan; cleared by
  // spawn before each vfork, so a child that ends before JS makes it a target is not reaped as an
  // orphan). Read: handlers, inside their bracket. seq_cst: the handshake.
  _Atomic bool reap_orphans;

  struct plan_tables plan;

  // `previous[signum]` is recorded: the addon catches this signal, or is about to. Written: the
  // loop (true, release, after writing previous and before the sigaction that installs the
  // handler; false, seq_cst, when the action is given back or must be recorded again, after which
  // handlers are waited out before previous is written). Read: handlers (seq_cst, inside their
  // bracket) before they read previous; a handler that finds it false raises the signal again.
  _Atomic bool caught[NSIG];

  // The action the addon's handler replaced, for a fault this process raised. Plain: written by
  // the loop only while caught[signum] is false and no handler that saw it true still acts; read
  // by handlers only after loading caught[signum] true.
  struct sigaction previous[NSIG];

  // Signals that are faults when this process raised them (SEGV BUS FPE ILL TRAP ABRT SYS).
  // Written: the loop (fetch_or in catchSignals, before the sigaction that installs the handler;
  // store 0 in unwatchSignals). Read: handlers. Relaxed: a bit is set before the handler that
  // looks at it can run, and bits change only while their signals are not caught.
  _Atomic uint64_t faults;

  // Signals the signal thread takes with sigwaitinfo, blocked in every other thread. Written:
  // the loop, once, before the thread is made and the block message sent. Read: the thread and
  // handlers receiving the block message. Relaxed: the write comes before the thread's creation
  // and before the message, both of which order it.
  _Atomic uint64_t on_thread;
};

extern struct shared_state shared;

#endif
