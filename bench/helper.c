// The benchmark's CMD, in C so that it adds as little as possible to what is measured:
//   helper signal-clock    prints "ready", then CLOCK_MONOTONIC ns each time SIGUSR1 or SIGTERM arrives
//   helper orphan-storm N  prints "ready"; after a byte on stdin double-forks N orphans that exit
//                          at once, prints "done", and exits at stdin EOF
//   helper exit-after MS   sleeps MS milliseconds, prints CLOCK_MONOTONIC ns and _exits
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void print_now(void) {
  struct timespec now;
  char line[32];
  clock_gettime(CLOCK_MONOTONIC, &now);
  int length = snprintf(line, sizeof line, "%lld\n", (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
  write(1, line, length);
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "signal-clock") == 0) {
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigaddset(&usr1, SIGTERM);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    write(1, "ready\n", 6);
    for (;;) {
      if (sigwaitinfo(&usr1, NULL) > 0) print_now();
    }
  }
  if (argc >= 3 && strcmp(argv[1], "orphan-storm") == 0) {
    long count = atol(argv[2]);
    char byte;
    write(1, "ready\n", 6);
    if (read(0, &byte, 1) != 1) return 1;
    for (long i = 0; i < count; i++) {
      pid_t middle = fork();
      if (middle == 0) {
        if (fork() == 0) _exit(0);
        _exit(0);
      }
      if (middle > 0) waitpid(middle, NULL, 0);
    }
    write(1, "done\n", 5);
    while (read(0, &byte, 1) > 0) {
    }
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "exit-after") == 0) {
    long ms = atol(argv[2]);
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&pause, &pause) != 0) {
    }
    print_now();
    _exit(0);
  }
  fprintf(stderr, "usage: helper signal-clock | orphan-storm N | exit-after MS\n");
  return 2;
}
