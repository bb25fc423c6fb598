#include "CODPKitLinux.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <errno.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

const int odpkit_CAP_IPC_LOCK = CAP_IPC_LOCK;

// Reads the calling thread's capability sets, after checking that `capability` names one.
static int read_capabilities(int capability, struct __user_cap_header_struct *header,
                             struct __user_cap_data_struct data[2]) {
    if (capability < 0 || capability > CAP_LAST_CAP) {
        errno = EINVAL;
        return -1;
    }
    header->version = _LINUX_CAPABILITY_VERSION_3;
    header->pid = 0; // the calling thread
    return (int)syscall(SYS_capget, header, data);
}

int odpkit_thread_has_effective_capability(int capability) {
    struct __user_cap_header_struct header;
    struct __user_cap_data_struct data[2];
    if (read_capabilities(capability, &header, data) != 0) {
        return -1;
    }
    return (data[capability / 32].effective & (1u << (capability % 32))) != 0;
}

int odpkit_thread_set_effective_capability(int capability, bool raised) {
    struct __user_cap_header_struct header;
    struct __user_cap_data_struct data[2];
    if (read_capabilities(capability, &header, data) != 0) {
        return -1;
    }
    uint32_t bit = 1u << (capability % 32);
    if (raised) {
        data[capability / 32].effective |= bit;
    } else {
        data[capability / 32].effective &= ~bit;
    }
    return (int)syscall(SYS_capset, &header, data);
}

const char *odpkit_shared_object_path(const void *symbol) {
    Dl_info info;
    if (dladdr(symbol, &info) == 0) {
        return NULL;
    }
    return info.dli_fname;
}

void *odpkit_mremap_fixed(void *old_address, size_t length, void *new_address) {
    return mremap(old_address, length, length, MREMAP_MAYMOVE | MREMAP_FIXED, new_address);
}

void *odpkit_mremap_resize(void *old_address, size_t old_length, size_t new_length, int flags) {
    return mremap(old_address, old_length, new_length, flags);
}

const int odpkit_MREMAP_MAYMOVE = MREMAP_MAYMOVE;

int odpkit_memfd_create(const char *name, unsigned int flags) {
    return memfd_create(name, flags);
}

const unsigned int odpkit_MFD_CLOEXEC = MFD_CLOEXEC;

int odpkit_punch_hole(int fd, int64_t offset, int64_t length) {
    return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
}

// Swift's runtime (libswiftCore, which every Swift program links).
extern void *swift_unownedRetain(void *object);
extern void swift_unownedRelease(void *object);
extern void *swift_tryRetain(void *object); // the object, or NULL once its deinit has begun

void odpkit_swift_unowned_retain(void *object) { swift_unownedRetain(object); }
void odpkit_swift_unowned_release(void *object) { swift_unownedRelease(object); }
bool odpkit_swift_try_retain(void *object) { return swift_tryRetain(object) != NULL; }
