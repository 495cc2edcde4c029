// Children's ends: peeking without reaping, reaping the orphans, and the statuses kept for JS.
// Pure C. reap_orphans is async-signal-safe (the handler calls it); the rest is the loop's.
#ifndef TSINIT_REAPER_H
#define TSINIT_REAPER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

// /proc/<pid>/comm: at most 15 bytes.
#define COMM_SIZE 16

struct reaped_child {
  pid_t pid;
  int status;
  char name[COMM_SIZE]; // empty when not read (no /proc, or not asked for)
};

pid_t peek_exited_child(void);
pid_t reap_orphans(bool (*is_target)(pid_t));
void read_comm(pid_t pid, char name[COMM_SIZE]);
bool nothing_left(void);

struct reaped_child *reserve_reaped(void);
void commit_reaped(void);
size_t reaped_count(void);
const struct reaped_child *reaped_at(size_t index);
void clear_reaped(void);

#endif
