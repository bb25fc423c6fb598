#include "CODPKitSignals.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

static int interrupt_flag;

int *odpkit_interrupt_flag(void) {
    return &interrupt_flag;
}

int odpkit_flag_load(const int *flag) {
    return __atomic_load_n(flag, __ATOMIC_SEQ_CST);
}

int odpkit_flag_set_once(int *flag, int value) {
    int expected = 0;
    if (__atomic_compare_exchange_n(flag, &expected, value, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        return value;
    }
    return expected;
}

// Async-signal-safe: one lock-free atomic operation on a static int (errno is not touched).
static void record_interrupt(int signal_number) {
    odpkit_flag_set_once(&interrupt_flag, signal_number);
}

int odpkit_catch_interrupts(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = record_interrupt;
    action.sa_flags = SA_RESTART | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGINT, &action, NULL) != 0 || sigaction(SIGTERM, &action, NULL) != 0) {
        return -1;
    }
    // A process started from a thread that blocks them (a dispatch worker's, say) inherits that mask.
    sigset_t interrupts;
    sigemptyset(&interrupts);
    sigaddset(&interrupts, SIGINT);
    sigaddset(&interrupts, SIGTERM);
    errno = pthread_sigmask(SIG_UNBLOCK, &interrupts, NULL);
    return errno == 0 ? 0 : -1;
}
