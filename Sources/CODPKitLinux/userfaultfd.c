#include "CODPKitLinux.h"

#include <linux/capability.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

// Layouts Swift relies on: it reads `struct uffd_msg` by byte offset, and passes the ioctl
// argument structs as imported, so their sizes must be the kernel's.
_Static_assert(sizeof(struct uffd_msg) == odpkit_uffd_msg_size, "struct uffd_msg is 32 bytes");
_Static_assert(offsetof(struct uffd_msg, event) == odpkit_uffd_msg_event_offset, "uffd_msg.event");
_Static_assert(offsetof(struct uffd_msg, arg.pagefault.flags) == odpkit_uffd_msg_pagefault_flags_offset,
               "uffd_msg.arg.pagefault.flags");
_Static_assert(offsetof(struct uffd_msg, arg.pagefault.address) == odpkit_uffd_msg_pagefault_address_offset,
               "uffd_msg.arg.pagefault.address");
_Static_assert(offsetof(struct uffd_msg, arg.pagefault.feat.ptid) == odpkit_uffd_msg_pagefault_ptid_offset,
               "uffd_msg.arg.pagefault.feat.ptid");
_Static_assert(offsetof(struct uffd_msg, arg.fork.ufd) == odpkit_uffd_msg_fork_ufd_offset, "uffd_msg.arg.fork.ufd");
_Static_assert(offsetof(struct uffd_msg, arg.remap.from) == odpkit_uffd_msg_remap_from_offset, "uffd_msg.arg.remap.from");
_Static_assert(offsetof(struct uffd_msg, arg.remap.to) == odpkit_uffd_msg_remap_to_offset, "uffd_msg.arg.remap.to");
_Static_assert(offsetof(struct uffd_msg, arg.remap.len) == odpkit_uffd_msg_remap_len_offset, "uffd_msg.arg.remap.len");
_Static_assert(offsetof(struct uffd_msg, arg.remove.start) == odpkit_uffd_msg_remove_start_offset,
               "uffd_msg.arg.remove.start");
_Static_assert(offsetof(struct uffd_msg, arg.remove.end) == odpkit_uffd_msg_remove_end_offset, "uffd_msg.arg.remove.end");
_Static_assert(sizeof(struct uffdio_api) == 24, "struct uffdio_api");
_Static_assert(sizeof(struct uffdio_range) == 16, "struct uffdio_range");
_Static_assert(sizeof(struct uffdio_register) == 32, "struct uffdio_register");
_Static_assert(sizeof(struct uffdio_copy) == 40, "struct uffdio_copy");
_Static_assert(sizeof(struct uffdio_zeropage) == 32, "struct uffdio_zeropage");
_Static_assert(sizeof(struct uffdio_writeprotect) == 24, "struct uffdio_writeprotect");

const unsigned long odpkit_UFFDIO_API = UFFDIO_API;
const unsigned long odpkit_UFFDIO_REGISTER = UFFDIO_REGISTER;
const unsigned long odpkit_UFFDIO_UNREGISTER = UFFDIO_UNREGISTER;
const unsigned long odpkit_UFFDIO_WAKE = UFFDIO_WAKE;
const unsigned long odpkit_UFFDIO_COPY = UFFDIO_COPY;
const unsigned long odpkit_UFFDIO_ZEROPAGE = UFFDIO_ZEROPAGE;
const unsigned long odpkit_UFFDIO_WRITEPROTECT = UFFDIO_WRITEPROTECT;
// Bookworm's 6.1 headers define it; older headers lack it, and the kernel's value is _IO(0xAA, 0x00).
#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif
const unsigned long odpkit_USERFAULTFD_IOC_NEW = USERFAULTFD_IOC_NEW;

const int odpkit_CAP_SYS_PTRACE = CAP_SYS_PTRACE;

int odpkit_userfaultfd(int flags) {
    return (int)syscall(SYS_userfaultfd, flags);
}
