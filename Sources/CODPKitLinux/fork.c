#include "CODPKitLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const int odpkit_FORKED_CHILD_UNMAPPED = 3;

// The child runs only async-signal-safe code: the parent may have held any lock (malloc's, the Swift
// runtime's) in another thread at the fork, so the child allocates nothing and takes no lock.
static void run_child(void *destination, const void *source, size_t length, size_t page_size, int hold_fd, int release_fd) {
    if (release_fd >= 0) {
        close(release_fd); // the parent's end: its close is the child's end of file
    }
    if (length > 0) {
        unsigned char resident;
        for (size_t offset = 0; offset < length; offset += page_size) {
            if (mincore((char *)destination + offset, page_size, &resident) != 0 && errno == ENOMEM) {
                _exit(odpkit_FORKED_CHILD_UNMAPPED);
            }
        }
        memcpy(destination, source, length);
    }
    if (hold_fd >= 0) {
        char byte;
        for (;;) {
            ssize_t result = read(hold_fd, &byte, 1);
            if (result == 0 || (result < 0 && errno != EINTR)) {
                break;
            }
        }
    }
    _exit(0);
}

int odpkit_fork_copying(void *destination, const void *source, size_t length, size_t page_size, int *release_fd) {
    int ends[2] = {-1, -1};
    if (release_fd != NULL && pipe2(ends, O_CLOEXEC) != 0) {
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        run_child(destination, source, length, page_size, ends[0], ends[1]);
    }
    int saved = errno;
    if (ends[0] >= 0) {
        close(ends[0]);
    }
    if (release_fd != NULL) {
        if (pid < 0) {
            close(ends[1]);
            ends[1] = -1;
        }
        *release_fd = ends[1];
    }
    errno = saved;
    return pid;
}
