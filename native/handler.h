// The signal handler and what it does with a signal from outside. Pure C, async-signal-safe.
#ifndef TSINIT_HANDLER_H
#define TSINIT_HANDLER_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

// Its address marks the block message (signal-thread.c sends it, the handler applies it).
extern const char block_message;

void on_signal(int signum, siginfo_t *info, void *context);
bool raised_here(int signum, const siginfo_t *info);
bool is_block_message(const siginfo_t *info);
void take_signal(int signum);
bool is_target(pid_t pid);

#endif
