import CODPKitShim
import SystemPackage
import Verbs

#if canImport(Glibc)
import Glibc
#endif

// One internal wrapper per system call; EINTR is retried in `retryingOnInterrupt` and nowhere else.

/// Runs `call` until it returns something other than failure with EINTR; failure becomes an error naming `function`.
@inline(__always)
func retryingOnInterrupt(_ function: String, _ call: () -> Int32) throws(ODPKitError) {
    while true {
        if call() == 0 { return }
        let code = Errno(rawValue: errno)
        if code != .interrupted { throw ODPKitError.call(function, errno: code) }
    }
}

/// Maps `length` bytes of private anonymous memory, read-write. The corresponding C function is `mmap`.
func system_mmapAnonymous(length: Int, at address: UnsafeMutableRawPointer? = nil) throws(ODPKitError) -> UnsafeMutableRawPointer {
    let flags = MAP_PRIVATE | MAP_ANONYMOUS | (address == nil ? 0 : MAP_FIXED)
    let result = mmap(address, length, PROT_READ | PROT_WRITE, flags, -1, 0)
    guard let result, result != MAP_FAILED else {
        throw ODPKitError.call("mmap", errno: Errno(rawValue: errno), reason: "cannot map \(length) bytes")
    }
    return result
}

/// Moves the mapping at `old` to exactly `new`, replacing what was mapped there.
/// The corresponding C function is `mremap` with `MREMAP_MAYMOVE | MREMAP_FIXED`.
func system_mremapFixed(_ old: UnsafeMutableRawPointer, _ length: Int, to new: UnsafeMutableRawPointer) throws(ODPKitError) {
    let result = odpkit_mremap_fixed(old, length, new)
    guard result != MAP_FAILED else {
        throw ODPKitError.call("mremap", errno: Errno(rawValue: errno), reason: "cannot move \(length) bytes")
    }
}

/// Unmaps a range. The corresponding C function is `munmap`.
func system_munmap(_ address: UnsafeMutableRawPointer, _ length: Int) throws(ODPKitError) {
    try retryingOnInterrupt("munmap") { munmap(address, length) }
}

/// Gives the kernel advice about a range. The corresponding C function is `madvise`.
func system_madvise(_ address: UnsafeMutableRawPointer, _ length: Int, _ advice: Int32) throws(ODPKitError) {
    try retryingOnInterrupt("madvise") { madvise(address, length, advice) }
}

/// Whether every page of a range is mapped; ENOMEM from `mincore` means some page is not.
/// The corresponding C function is `mincore`.
func system_rangeIsMapped(_ address: UnsafeMutableRawPointer, _ length: Int) throws(ODPKitError) -> Bool {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let start = UInt(bitPattern: address) & ~UInt(page - 1)
    let end = UInt(bitPattern: address) + UInt(length)
    let pages = Int((end - start + UInt(page) - 1) / UInt(page))
    var vector = [UInt8](repeating: 0, count: pages)
    while true {
        if mincore(UnsafeMutableRawPointer(bitPattern: start), Int(end - start), &vector) == 0 { return true }
        switch Errno(rawValue: errno) {
        case .noMemory: return false
        case .interrupted, .resourceTemporarilyUnavailable: continue
        case let code: throw ODPKitError.call("mincore", errno: code)
        }
    }
}

/// The system page size. The corresponding C function is `sysconf(_SC_PAGESIZE)`.
public let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

/// Writes a file's dirty pages back and waits for it. The corresponding C function is `fsync`.
func system_fsync(_ descriptor: Int32) throws(ODPKitError) {
    try retryingOnInterrupt("fsync") { fsync(descriptor) }
}
