public import ODPKitSystem

extension UserFaultFD {
    /// Unregisters every mapping in `range` that is registered with this descriptor, and skips the rest.
    ///
    /// UFFDIO_UNREGISTER refuses a range as a whole (EINVAL) when nothing is mapped there, when a mapping
    /// in it is one userfaultfd cannot take (a private file mapping placed over part of it), or when a
    /// mapping in it is registered with another userfaultfd (pages moved in by mremap; older kernels
    /// unregister those too). Then each mapping in `range`, as /proc/self/maps lists them, is unregistered
    /// on its own, and those refused with EINVAL are skipped: none of them is registered here. Throws the
    /// first other error once every mapping was tried.
    ///
    /// The corresponding C function is `ioctl(UFFDIO_UNREGISTER)`.
    public func unregisterMappings(in range: AddressRange) throws(ODPKitError) {
        do throws(ODPKitError) {
            try unregister(range)
            return
        } catch where error.errno == .invalidArgument {}
        var firstError: ODPKitError?
        for mapping in try Self.mappings(overlapping: range) {
            do throws(ODPKitError) {
                try unregister(mapping)
            } catch where error.errno == .invalidArgument {
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    /// The parts of `range` that each mapping of this process covers, from /proc/self/maps.
    private static func mappings(overlapping range: AddressRange) throws(ODPKitError) -> [AddressRange] {
        try ProcessMapping.overlapping(range.start, range.end).map { mapping in
            let low = max(mapping.start, range.start), high = min(mapping.end, range.end)
            return AddressRange(start: low, length: Int(high - low))
        }
    }
}
