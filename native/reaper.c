// Children's ends: peeking without reaping, reaping the orphans, and the statuses kept for JS.
#define _GNU_SOURCE
#include "reaper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

// The next exited child's pid, left a zombie (so its /proc entry can still be read); 0 when no
// child has exited or there is no child at all, -1 on another error. Async-signal-safe.
pid_t peek_exited_child(void) {
  siginfo_t info;
  info.si_pid = 0;
  if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0) return errno == ECHILD ? 0 : -1;
  return info.si_pid;
}

// Reaps, unreported, every exited child that is no target: one SIGCHLD may stand for many exits.
// Returns the first exited target (left a zombie for the loop), 0 when no exited child is left, -1
// on error. Async-signal-safe. A waitpid that finds the child gone (another thread reaped it)
// moves on: the next peek makes progress.
pid_t reap_orphans(bool (*is_target)(pid_t)) {
  pid_t pid;
  while ((pid = peek_exited_child()) > 0 && !is_target(pid)) waitpid(pid, NULL, WNOHANG);
  return pid;
}

// The child's /proc/<pid>/comm, read while it is a zombie, so that a status is never reported
// without its command's name; empty when there is no /proc.
void read_comm(pid_t pid, char name[COMM_SIZE]) {
  char path[32];
  ssize_t got = 0;
  int fd;
  snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
    got = read(fd, name, COMM_SIZE);
    close(fd);
  }
  name[got > 0 ? got - 1 : 0] = '\0'; // comm's newline
}

// As PID 1: no other process in the namespace (kill(-1, 0) finds none, zombies included).
// Otherwise: no child at all, so no descendant either (a subreaper's orphans are its children).
bool nothing_left(void) {
  siginfo_t info;
  if (getpid() == 1) return kill(-1, 0) != 0 && errno == ESRCH;
  return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD;
}

// Children reaped on the loop and not yet handed to JS. Loop-only: reapAll and the loop's wake
// fill it, reapAll empties it once its list is made (kept when making it failed, for the next call).
static struct reaped_child *reaped;
static size_t count, capacity;

// Room for one more status, made before the waitpid: a reaped status must never lack a place.
// NULL when memory ran out: the child stays a zombie for a later call.
struct reaped_child *reserve_reaped(void) {
  if (count == capacity) {
    size_t grown_capacity = capacity ? 2 * capacity : 64;
    struct reaped_child *grown = realloc(reaped, grown_capacity * sizeof *reaped);
    if (grown == NULL) return NULL;
    reaped = grown;
    capacity = grown_capacity;
  }
  return &reaped[count];
}

// The reserved slot, filled, is kept.
void commit_reaped(void) { count++; }

// How many statuses wait for JS.
size_t reaped_count(void) { return count; }

// One of them, oldest first.
const struct reaped_child *reaped_at(size_t index) { return &reaped[index]; }

// JS has them all.
void clear_reaped(void) { count = 0; }
