// The Linux shim: what Swift cannot import from the kernel's and glibc's headers (function-like
// macros, variadic or unwrapped system calls, per-thread capability calls), each symbol prefixed
// `odpkit_`. It links nothing beyond libc and libdl; the verbs shim (CODPKitVerbs) is separate.
#ifndef CODPKIT_LINUX_H
#define CODPKIT_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// Raises or lowers one capability in the calling thread's effective set
/// (`capget`/`capset`, which act per thread). Returns 0 or -1 with errno set.
int odpkit_thread_set_effective_capability(int capability, bool raised);

/// Whether the calling thread has `capability` in its effective set (`capget`).
/// Returns 1, 0, or -1 with errno set.
int odpkit_thread_has_effective_capability(int capability);

/// `CAP_IPC_LOCK`, which lets a process pin memory beyond `RLIMIT_MEMLOCK`.
extern const int odpkit_CAP_IPC_LOCK;

/// The path of the shared object that defines `symbol` (`dladdr`), or NULL.
const char *odpkit_shared_object_path(const void *symbol);

/// `mremap(old, length, length, MREMAP_MAYMOVE | MREMAP_FIXED, new)`: `mremap` is variadic, which
/// Swift cannot call. Returns the new address or MAP_FAILED with errno set.
void *odpkit_mremap_fixed(void *old_address, size_t length, void *new_address);

/// `mremap(old, old_length, new_length, flags)` without a new address (to grow or shrink in place, or
/// move anywhere with `MREMAP_MAYMOVE`): `mremap` is variadic. Returns the address or MAP_FAILED with errno set.
void *odpkit_mremap_resize(void *old_address, size_t old_length, size_t new_length, int flags);

/// `MREMAP_MAYMOVE`, for `odpkit_mremap_resize`.
extern const int odpkit_MREMAP_MAYMOVE;

/// `memfd_create(name, flags)`. Returns the descriptor, or -1 with errno set.
int odpkit_memfd_create(const char *name, unsigned int flags);

/// `MFD_CLOEXEC`, for `odpkit_memfd_create`.
extern const unsigned int odpkit_MFD_CLOEXEC;

/// `fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length)`: frees the range of a
/// file, which reads as zeros afterwards. Returns 0 or -1 with errno set.
int odpkit_punch_hole(int fd, int64_t offset, int64_t length);

/// Forks a child that copies `length` bytes from `source` to `destination` (its copy of the parent's
/// memory), when every page of the destination is mapped in it, then, when `release_fd` is not NULL,
/// waits until the parent closes `*release_fd` (a pipe's write end, close-on-exec, set here), and
/// `_exit`s: 0, or `odpkit_FORKED_CHILD_UNMAPPED` when a destination page is not mapped in the child.
/// The child makes only async-signal-safe calls. Returns the child's pid, or -1 with errno set.
int odpkit_fork_copying(void *destination, const void *source, size_t length, size_t page_size, int *release_fd);

/// The exit status of an `odpkit_fork_copying` child whose destination was not mapped.
extern const int odpkit_FORKED_CHILD_UNMAPPED;

/// Swift's runtime, for a registry that keeps objects allocated without keeping them alive (and
/// without `weak`, which gives an object a side table): an unowned count on `object` (a Swift class
/// instance), its release, and a strong retain that fails once the object's deinit has begun.
void odpkit_swift_unowned_retain(void *object);
void odpkit_swift_unowned_release(void *object);
bool odpkit_swift_try_retain(void *object);

/// The byte at `address`, read anew on every call (a `volatile` load): a spin on memory the NIC writes
/// must not be folded into one read by the optimizer.
static inline uint8_t odpkit_load_volatile_byte(const void *address) {
    return *(const volatile uint8_t *)address;
}

#include "CODPKitUserfaultfd.h"
#include "CODPKitSignals.h"

#endif
