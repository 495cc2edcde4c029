// The event loop's side of the shared state: catching and giving back signals, arming and ending
// the fast path's plan, taking counts and reports, and the loop's part of a target's end.
// Pure C, no Node-API, so the TSAN test builds it as it is.
#ifndef TSINIT_LOOP_SIDE_H
#define TSINIT_LOOP_SIDE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <uv.h>

#include "shared-state.h"

// A plan as JS gives it: the handler's tables, and the loop's exit on a target's end.
struct fast_path_plan {
  struct plan_tables tables;
  bool reap_orphans;
  bool exit;         // the tables below are set
  bool exit_always;  // ...and apply even with other processes left
  unsigned char exit_codes[256];
  unsigned char signal_codes[NSIG];
};

struct forward_report {
  unsigned int forwarded, failed;
  int last_errno;
};

void wait_out_handlers(void);
int catch_signal(int signum, struct sigaction *old);
void mark_faults(uint64_t faults);
void release_signals(void);
void set_wake(uv_async_t *wake);
void clear_wake(void);
unsigned int take_count(int signum);
void drop_counts(void);
bool take_report(int signum, struct forward_report *report);
void arm_plan(const struct fast_path_plan *plan);
void disarm_plan(void);
void suspend_orphan_reaping(void);
int reap_into_list(bool names, const pid_t *only, size_t only_count);
bool after_wake(void);

#endif
