/// A compact account of a buffer's contents: "0xab × 4096", "zeros × 4096", "mixed (…)".
public struct ByteSummary: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The byte every position holds, nil when they differ.
    public var uniform: UInt8?
    public var count: Int
    /// How many positions hold each distinct value, at most four values listed.
    public var histogram: [UInt8: Int]

    public init(_ bytes: some Collection<UInt8>) {
        var tally = [Int](repeating: 0, count: 256)
        tally.withUnsafeMutableBufferPointer { tally in
            if bytes.withContiguousStorageIfAvailable({ (contiguous) -> Void in for byte in contiguous { tally[Int(byte)] += 1 } }) == nil {
                for byte in bytes { tally[Int(byte)] += 1 }
            }
        }
        var counts: [UInt8: Int] = [:]
        for (byte, count) in tally.enumerated() where count > 0 { counts[UInt8(byte)] = count }
        count = bytes.count
        uniform = counts.count == 1 ? counts.keys.first : nil
        histogram = counts
    }

    public var description: String {
        if let uniform {
            return uniform == 0 ? "zeros × \(count)" : "0x\(String(uniform, radix: 16)) × \(count)"
        }
        let top = histogram.sorted { $0.value > $1.value }.prefix(4)
        return "mixed (" + top.map { "0x\(String($0.key, radix: 16)) × \($0.value)" }.joined(separator: ", ") + ")"
    }
}
