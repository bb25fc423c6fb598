import CODPKitLinux
package import SystemPackage
public import ODPKitSystem

extension UserFaultFD {
    /// Maps zero pages over `range` of a missing-mode range and, unless `wake` is false, wakes the
    /// threads waiting on it. EEXIST and EAGAIN are outcomes (`.exists`, `.retry`), not errors.
    ///
    /// The corresponding C function is `ioctl(UFFDIO_ZEROPAGE)`.
    public func zeroPage(_ range: AddressRange, wake: Bool = true) throws(ODPKitError) -> ResolveResult {
        let function = "ioctl(UFFDIO_ZEROPAGE)"
        _ = try live(function)
        _ = try range.uffdioRange(function)
        switch zeroPageResult(range, wake: wake) {
        case .success(let result): return result
        case .failure(let error): throw rangeError(function, error, range)
        }
    }

    /// `zeroPage` for the monitor thread: allocates nothing and throws nothing. Any failure but the
    /// outcomes is the errno (EBADF once closed; EINVAL for a range not page-aligned).
    package func zeroPageResult(_ range: AddressRange, wake: Bool = true) -> Result<ResolveResult, Errno> {
        guard let request = range.uffdioRangeIfAligned else { return .failure(.invalidArgument) }
        var zeroPage = uffdio_zeropage(range: request, mode: wake ? 0 : UInt64(UFFDIO_ZEROPAGE_MODE_DONTWAKE), zeropage: 0)
        return resolve(odpkit_UFFDIO_ZEROPAGE, &zeroPage, reported: { $0.zeropage })
    }

    /// Maps pages holding a copy of `range.length` bytes from `source` over `range` of a missing-mode
    /// range and, unless `wake` is false, wakes the threads waiting on it. EEXIST and EAGAIN are
    /// outcomes (`.exists`, `.retry`), not errors.
    ///
    /// The corresponding C function is `ioctl(UFFDIO_COPY)`.
    public func copy(from source: UnsafeRawPointer, to range: AddressRange, wake: Bool = true) throws(ODPKitError) -> ResolveResult {
        let function = "ioctl(UFFDIO_COPY)"
        _ = try live(function)
        let destination = try range.uffdioRange(function)
        var request = uffdio_copy(dst: destination.start, src: UInt64(UInt(bitPattern: source)), len: destination.len,
                                  mode: wake ? 0 : UInt64(UFFDIO_COPY_MODE_DONTWAKE), copy: 0)
        switch resolve(odpkit_UFFDIO_COPY, &request, reported: { $0.copy }) {
        case .success(let result): return result
        case .failure(let error): throw rangeError(function, error, range)
        }
    }

    /// Runs a resolving ioctl; `reported` reads the field where the kernel puts the bytes mapped,
    /// or the negated errno. EEXIST and EAGAIN are outcomes; other failures are returned, not thrown.
    private func resolve<Request: BitwiseCopyable>(_ ioctlRequest: UInt, _ request: inout Request,
                                                   reported: (Request) -> Int64) -> Result<ResolveResult, Errno> {
        let descriptor = rawValue
        guard descriptor >= 0 else { return .failure(.badFileDescriptor) }
        let result: ResolveResult
        switch system_ioctlResult(descriptor, ioctlRequest, &request) {
        case .success:
            result = .resolved(bytes: Int(reported(request)))
        case .failure(.fileExists):
            result = .exists
        case .failure(.resourceTemporarilyUnavailable):
            // Part of the range may be mapped: then the kernel reports how much, and fails with EAGAIN.
            result = .retry(completedBytes: max(0, Int(reported(request))))
        case .failure(let error):
            return .failure(error)
        }
        resolveCounts.record(result)
        return .success(result)
    }
}
