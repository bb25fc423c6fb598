// Interrupts: SIGINT and SIGTERM caught into a flag that long-running work checks between steps, so a
// run stops at a point where it can close what it opened and say what it measured.
#ifndef CODPKIT_SIGNALS_H
#define CODPKIT_SIGNALS_H

/// Catches SIGINT and SIGTERM: the handler only stores the signal's number in the process's interrupt
/// flag (`odpkit_interrupt_flag`), unless one is stored already, and restores the default action
/// (SA_RESETHAND), so that a second signal ends the process at once. SA_RESTART is set: other threads'
/// system calls carry on. Both signals are unblocked in the calling thread (a process inherits the mask
/// of the thread that started it), and in the threads it starts later. Returns 0 or -1 with errno set.
int odpkit_catch_interrupts(void);

/// The process's interrupt flag: 0 until SIGINT or SIGTERM arrived after `odpkit_catch_interrupts`,
/// then that signal's number.
int *odpkit_interrupt_flag(void);

/// Reads a flag (sequentially consistent).
int odpkit_flag_load(const int *flag);

/// Stores `value` in a flag unless it holds a non-zero value already; returns the value it holds after.
int odpkit_flag_set_once(int *flag, int value);

#endif
