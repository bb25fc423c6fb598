import CODPKitLinux
import ODPKitSystem
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

// One thin wrapper per memory system call; EINTR is retried in ODPKitSystem's `retryingOnInterrupt`.

/// Maps `length` bytes of private anonymous memory, read-write. The corresponding C function is `mmap`.
package func system_mmapAnonymous(length: Int, at address: UnsafeMutableRawPointer? = nil) throws(ODPKitError) -> UnsafeMutableRawPointer {
    try system_mmap(length: length, flags: MAP_PRIVATE | MAP_ANONYMOUS | (address == nil ? 0 : MAP_FIXED), at: address)
}

/// Maps `length` bytes with `flags` (`MAP_SHARED`, `MAP_ANONYMOUS`, `MAP_HUGETLB`, …), of `descriptor`
/// when it is not -1, read-write unless `protection` says otherwise. The corresponding C function is `mmap`.
package func system_mmap(
    length: Int, protection: Int32 = PROT_READ | PROT_WRITE, flags: Int32, descriptor: Int32 = -1, at address: UnsafeMutableRawPointer? = nil
) throws(ODPKitError) -> UnsafeMutableRawPointer {
    let result = mmap(address, length, protection, flags, descriptor, 0)
    guard let result, result != MAP_FAILED else {
        throw ODPKitError.call("mmap", errno: Errno(rawValue: errno), reason: "cannot map \(length) bytes")
    }
    return result
}

/// Changes the protection of a range. The corresponding C function is `mprotect`.
package func system_mprotect(_ address: UnsafeMutableRawPointer, _ length: Int, _ protection: Int32) throws(ODPKitError) {
    try retryingOnInterrupt("mprotect") { mprotect(address, length, protection) }
}

/// Grows or shrinks the mapping at `old` from `oldLength` to `newLength`, in place unless `mayMove`;
/// returns where it now is. The corresponding C function is `mremap`.
package func system_mremapResize(_ old: UnsafeMutableRawPointer, _ oldLength: Int, to newLength: Int, mayMove: Bool) throws(ODPKitError) -> UnsafeMutableRawPointer {
    let result = odpkit_mremap_resize(old, oldLength, newLength, mayMove ? odpkit_MREMAP_MAYMOVE : 0)
    guard let result, result != MAP_FAILED else {
        throw ODPKitError.call("mremap", errno: Errno(rawValue: errno), reason: "cannot resize \(oldLength) bytes to \(newLength)")
    }
    return result
}

/// Moves the mapping at `old` to exactly `new`, replacing what was mapped there.
/// The corresponding C function is `mremap` with `MREMAP_MAYMOVE | MREMAP_FIXED`.
package func system_mremapFixed(_ old: UnsafeMutableRawPointer, _ length: Int, to new: UnsafeMutableRawPointer) throws(ODPKitError) {
    let result = odpkit_mremap_fixed(old, length, new)
    guard result != MAP_FAILED else {
        throw ODPKitError.call("mremap", errno: Errno(rawValue: errno), reason: "cannot move \(length) bytes")
    }
}

/// Writes all of `bytes` to `descriptor` at `offset`, in as many calls as it takes. The corresponding C function is `pwrite`.
package func system_pwrite(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws(ODPKitError) {
    var done = 0
    while done < bytes.count {
        done += try retryingOnInterrupt("pwrite") { pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
    }
}

/// Sets the size of the file behind `descriptor`. The corresponding C function is `ftruncate`.
package func system_ftruncate(_ descriptor: Int32, _ length: Int) throws(ODPKitError) {
    try retryingOnInterrupt("ftruncate") { ftruncate(descriptor, off_t(length)) }
}

/// Frees `length` bytes of the file behind `descriptor` at `offset`, keeping its size: the range reads
/// as zeros. The corresponding C function is `fallocate` with `FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE`.
package func system_punchHole(_ descriptor: Int32, _ offset: Int, _ length: Int) throws(ODPKitError) {
    try retryingOnInterrupt("fallocate") { odpkit_punch_hole(descriptor, Int64(offset), Int64(length)) }
}

/// Unmaps a range. The corresponding C function is `munmap`.
package func system_munmap(_ address: UnsafeMutableRawPointer, _ length: Int) throws(ODPKitError) {
    try retryingOnInterrupt("munmap") { munmap(address, length) }
}

/// Gives the kernel advice about a range. The corresponding C function is `madvise`.
package func system_madvise(_ address: UnsafeMutableRawPointer, _ length: Int, _ advice: Int32) throws(ODPKitError) {
    try retryingOnInterrupt("madvise") { madvise(address, length, advice) }
}

/// Whether every page of a range is mapped; ENOMEM from `mincore` means some page is not (EAGAIN, the
/// kernel short of memory for the answer, is asked again). The corresponding C function is `mincore`.
package func system_rangeIsMapped(_ address: UnsafeMutableRawPointer, _ length: Int) throws(ODPKitError) -> Bool {
    let start = UInt(bitPattern: address) & ~UInt(pageSize - 1)
    let end = UInt(bitPattern: address) + UInt(length)
    let pages = Int((end - start + UInt(pageSize) - 1) / UInt(pageSize))
    var vector = [UInt8](repeating: 0, count: pages)
    while true {
        do {
            _ = try retryingOnInterrupt { mincore(UnsafeMutableRawPointer(bitPattern: start), Int(end - start), &vector) }
            return true
        } catch .noMemory {
            return false
        } catch .resourceTemporarilyUnavailable {
            continue
        } catch {
            throw ODPKitError.call("mincore", errno: error)
        }
    }
}
