import CODPKitLinux
import ODPKitSystem

/// A span of this process's address space in whole pages, as the userfaultfd ioctls take it.
public struct AddressRange: Hashable, Sendable, CustomStringConvertible {
    public let start: UInt
    public let length: Int

    public init(start: UInt, length: Int) {
        self.start = start
        self.length = length
    }

    /// `length` bytes from `address`.
    public init(address: UnsafeMutableRawPointer, length: Int) {
        self.init(start: UInt(bitPattern: address), length: length)
    }

    /// The bytes of `buffer`.
    public init(_ buffer: UnsafeMutableRawBufferPointer) {
        self.init(start: UInt(bitPattern: buffer.baseAddress), length: buffer.count)
    }

    /// The page that holds `address` (a fault's address, which the kernel reports unaligned only
    /// with the exactAddress feature).
    public static func page(containing address: UInt) -> AddressRange {
        AddressRange(start: address & ~UInt(pageSize - 1), length: pageSize)
    }

    /// The first address after the range.
    public var end: UInt { start + UInt(length) }

    public var description: String {
        "0x\(String(start, radix: 16))..<0x\(String(end, radix: 16)) (\(length) bytes)"
    }

    /// The range as `struct uffdio_range`, after checking that it is whole pages: the kernel
    /// refuses anything else with EINVAL, which would not say which argument was wrong.
    func uffdioRange(_ function: String) throws(ODPKitError) -> uffdio_range {
        guard let range = uffdioRangeIfAligned else {
            throw ODPKitError(.invalidArgument, function: function,
                              reason: "the range \(self) is not whole pages of \(pageSize) bytes; round it to page boundaries")
        }
        return range
    }

    /// The range as `struct uffdio_range`, nil unless it is whole pages.
    var uffdioRangeIfAligned: uffdio_range? {
        let mask = UInt(pageSize - 1)
        guard length > 0, start & mask == 0, UInt(length) & mask == 0 else { return nil }
        return uffdio_range(start: UInt64(start), len: UInt64(length))
    }
}
