// The signal thread: caught signals taken with sigwaitinfo, as tini takes them.
#ifndef TSINIT_SIGNAL_THREAD_H
#define TSINIT_SIGNAL_THREAD_H

int start_signal_thread(void);

#endif
