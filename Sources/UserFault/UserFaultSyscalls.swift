import CODPKitLinux
import SystemPackage
import ODPKitSystem

#if canImport(Glibc)
import Glibc
#endif

// One internal wrapper per system call; EINTR is retried in ODPKitSystem's `resultRetryingOnInterrupt`.
// The wrappers throw the bare `Errno`, or return it where the monitor thread calls them (a throw may
// allocate where a runtime hook watches throws): their callers decide which errors are outcomes
// (EAGAIN, EEXIST) and word the rest as an `ODPKitError`.

/// Opens a file. The corresponding C function is `open`.
func system_open(_ path: String, _ flags: Int32) throws(Errno) -> Int32 {
    try retryingOnInterrupt { open(path, flags) }
}

/// Closes a descriptor. The corresponding C function is `close`.
///
/// EINTR is not retried: Linux releases the descriptor before it reports EINTR, so a retry could
/// close a descriptor another thread has just been given.
func system_close(_ descriptor: Int32) throws(Errno) {
    if close(descriptor) != 0 { throw Errno(rawValue: errno) }
}

/// Creates a userfaultfd. The corresponding C function is `userfaultfd` (a raw system call).
func system_userfaultfd(_ flags: Int32) throws(Errno) -> Int32 {
    try retryingOnInterrupt { odpkit_userfaultfd(flags) }
}

/// An ioctl whose argument is a struct the kernel reads and writes. The corresponding C function is `ioctl`.
func system_ioctl<Argument: BitwiseCopyable>(_ descriptor: Int32, _ request: UInt, _ argument: inout Argument) throws(Errno) {
    _ = try retryingOnInterrupt { ioctl(descriptor, request, &argument) }
}

/// `system_ioctl` returning its failure instead of throwing it: what the monitor thread calls, which
/// must not allocate. The corresponding C function is `ioctl`.
func system_ioctlResult<Argument: BitwiseCopyable>(_ descriptor: Int32, _ request: UInt, _ argument: inout Argument) -> Result<Int32, Errno> {
    resultRetryingOnInterrupt { ioctl(descriptor, request, &argument) }
}

/// An ioctl whose argument is an integer; returns the ioctl's result. The corresponding C function is `ioctl`.
func system_ioctl(_ descriptor: Int32, _ request: UInt, _ value: Int32) throws(Errno) -> Int32 {
    try retryingOnInterrupt { ioctl(descriptor, request, value) }
}

/// Reads into `buffer`; returns the byte count or the failure, without throwing (the monitor thread
/// reads until EAGAIN, and must not allocate). The corresponding C function is `read`.
func system_read(_ descriptor: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
    resultRetryingOnInterrupt { read(descriptor, buffer.baseAddress, buffer.count) }
}

/// Writes `buffer`; returns the byte count or the failure, without throwing (the monitor thread wakes
/// the refresher). The corresponding C function is `write`.
func system_write(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Result<Int, Errno> {
    resultRetryingOnInterrupt { write(descriptor, buffer.baseAddress, buffer.count) }
}

/// Waits until one of `descriptors` is ready or `timeout` milliseconds pass (-1: no limit);
/// returns how many are ready. The corresponding C function is `poll`.
///
/// After EINTR the wait starts again with the whole timeout.
func system_poll(_ descriptors: UnsafeMutableBufferPointer<pollfd>, timeout: Int32) throws(Errno) -> Int32 {
    try retryingOnInterrupt { poll(descriptors.baseAddress, nfds_t(descriptors.count), timeout) }
}

/// Creates an eventfd. The corresponding C function is `eventfd`.
func system_eventfd(_ flags: Int32) throws(Errno) -> Int32 {
    try retryingOnInterrupt { eventfd(0, flags) }
}

/// Whether the calling thread has `capability` in its effective set. The corresponding C function is `capget`.
func system_threadHasCapability(_ capability: Int32) throws(Errno) -> Bool {
    try retryingOnInterrupt { odpkit_thread_has_effective_capability(capability) } == 1
}
