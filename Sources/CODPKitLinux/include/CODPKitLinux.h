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

#endif
