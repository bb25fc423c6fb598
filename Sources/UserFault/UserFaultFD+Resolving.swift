import CODPKitLinux
import SystemPackage
public import ODPKitSystem

extension UserFaultFD {
    /// Maps zero pages over `range` of a missing-mode range and, unless `wake` is false, wakes the
    /// threads waiting on it. EEXIST and EAGAIN are outcomes (`.exists`, `.retry`), not errors.
    ///
    /// The corresponding C function is `ioctl(UFFDIO_ZEROPAGE)`.
    public func zeroPage(_ range: AddressRange, wake: Bool = true) throws(ODPKitError) -> ResolveResult {
        let function = "ioctl(UFFDIO_ZEROPAGE)"
        var request = uffdio_zeropage(range: try range.uffdioRange(function),
                                      mode: wake ? 0 : UInt64(UFFDIO_ZEROPAGE_MODE_DONTWAKE), zeropage: 0)
        return try resolve(function, odpkit_UFFDIO_ZEROPAGE, &request, range) { $0.zeropage }
    }

    /// Maps pages holding a copy of `range.length` bytes from `source` over `range` of a missing-mode
    /// range and, unless `wake` is false, wakes the threads waiting on it. EEXIST and EAGAIN are
    /// outcomes (`.exists`, `.retry`), not errors.
    ///
    /// The corresponding C function is `ioctl(UFFDIO_COPY)`.
    public func copy(from source: UnsafeRawPointer, to range: AddressRange, wake: Bool = true) throws(ODPKitError) -> ResolveResult {
        let function = "ioctl(UFFDIO_COPY)"
        let destination = try range.uffdioRange(function)
        var request = uffdio_copy(dst: destination.start, src: UInt64(UInt(bitPattern: source)), len: destination.len,
                                  mode: wake ? 0 : UInt64(UFFDIO_COPY_MODE_DONTWAKE), copy: 0)
        return try resolve(function, odpkit_UFFDIO_COPY, &request, range) { $0.copy }
    }

    /// Runs a resolving ioctl; `reported` reads the field where the kernel puts the bytes mapped,
    /// or the negated errno.
    private func resolve<Request: BitwiseCopyable>(_ function: String, _ ioctlRequest: UInt, _ request: inout Request, _ range: AddressRange,
                                  reported: (Request) -> Int64) throws(ODPKitError) -> ResolveResult {
        let descriptor = try live(function)
        let result: ResolveResult
        do throws(Errno) {
            try system_ioctl(descriptor, ioctlRequest, &request)
            result = .resolved(bytes: Int(reported(request)))
        } catch .fileExists {
            result = .exists
        } catch .resourceTemporarilyUnavailable {
            // Part of the range may be mapped: then the kernel reports how much, and fails with EAGAIN.
            result = .retry(completedBytes: max(0, Int(reported(request))))
        } catch {
            throw rangeError(function, error, range)
        }
        resolveCounts.record(result)
        return result
    }
}
