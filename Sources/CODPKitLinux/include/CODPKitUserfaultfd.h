// userfaultfd: the ioctl numbers, system call and layouts Swift cannot import from
// <linux/userfaultfd.h> (function-like macros, a missing libc wrapper, a packed union).
#ifndef CODPKIT_USERFAULTFD_H
#define CODPKIT_USERFAULTFD_H

#include <linux/userfaultfd.h>
#include <sys/eventfd.h>

/// `UFFDIO_API`: the handshake, `struct uffdio_api`.
extern const unsigned long odpkit_UFFDIO_API;
/// `UFFDIO_REGISTER`: register a range, `struct uffdio_register`.
extern const unsigned long odpkit_UFFDIO_REGISTER;
/// `UFFDIO_UNREGISTER`: unregister a range, `struct uffdio_range`.
extern const unsigned long odpkit_UFFDIO_UNREGISTER;
/// `UFFDIO_WAKE`: wake threads waiting on a range, `struct uffdio_range`.
extern const unsigned long odpkit_UFFDIO_WAKE;
/// `UFFDIO_COPY`: map copies of bytes into missing pages, `struct uffdio_copy`.
extern const unsigned long odpkit_UFFDIO_COPY;
/// `UFFDIO_ZEROPAGE`: map zero pages into missing pages, `struct uffdio_zeropage`.
extern const unsigned long odpkit_UFFDIO_ZEROPAGE;
/// `UFFDIO_WRITEPROTECT`: set or clear write protection, `struct uffdio_writeprotect`.
extern const unsigned long odpkit_UFFDIO_WRITEPROTECT;
/// `USERFAULTFD_IOC_NEW`: on an open `/dev/userfaultfd`, create a userfaultfd (argument: flags).
extern const unsigned long odpkit_USERFAULTFD_IOC_NEW;

/// `CAP_SYS_PTRACE`: lets `userfaultfd(2)` handle kernel-mode faults and UFFDIO_API enable fork events.
extern const int odpkit_CAP_SYS_PTRACE;

/// Byte offsets into a `struct uffd_msg` (32 bytes, packed) that Swift decodes; checked by `_Static_assert`.
enum {
    odpkit_uffd_msg_size = 32,
    odpkit_uffd_msg_event_offset = 0,
    odpkit_uffd_msg_pagefault_flags_offset = 8,
    odpkit_uffd_msg_pagefault_address_offset = 16,
    odpkit_uffd_msg_pagefault_ptid_offset = 24,
    odpkit_uffd_msg_fork_ufd_offset = 8,
    odpkit_uffd_msg_remap_from_offset = 8,
    odpkit_uffd_msg_remap_to_offset = 16,
    odpkit_uffd_msg_remap_len_offset = 24,
    odpkit_uffd_msg_remove_start_offset = 8,
    odpkit_uffd_msg_remove_end_offset = 16,
};

/// `userfaultfd(2)`, which glibc does not wrap. Returns the descriptor, or -1 with errno set.
int odpkit_userfaultfd(int flags);

#endif
