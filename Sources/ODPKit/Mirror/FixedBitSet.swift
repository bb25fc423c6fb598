/// A set of the integers `0..<capacity`, one bit each, allocated once: inserting, removing and
/// searching never allocate, so the mirror's table can change it under its lock on the monitor thread.
struct FixedBitSet: Sendable {
    private var words: [UInt64]
    let capacity: Int
    /// How many members there are.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        words = Array(repeating: 0, count: (capacity + 63) / 64)
    }

    var isEmpty: Bool { count == 0 }

    func contains(_ member: Int) -> Bool {
        words[member >> 6] & (1 << UInt64(member & 63)) != 0
    }

    /// Adds `member`; returns whether it was absent.
    @discardableResult
    mutating func insert(_ member: Int) -> Bool {
        let bit: UInt64 = 1 << UInt64(member & 63)
        guard words[member >> 6] & bit == 0 else { return false }
        words[member >> 6] |= bit
        count += 1
        return true
    }

    /// Removes `member`; returns whether it was present.
    @discardableResult
    mutating func remove(_ member: Int) -> Bool {
        let bit: UInt64 = 1 << UInt64(member & 63)
        guard words[member >> 6] & bit != 0 else { return false }
        words[member >> 6] &= ~bit
        count -= 1
        return true
    }

    /// Adds every member of `range`.
    mutating func insert(_ range: Range<Int>) {
        var position = range.lowerBound
        while position < range.upperBound {
            let (word, mask, next) = Self.span(from: position, below: range.upperBound)
            count += (mask & ~words[word]).nonzeroBitCount
            words[word] |= mask
            position = next
        }
    }

    /// Removes every member of `range`.
    mutating func remove(_ range: Range<Int>) {
        var position = range.lowerBound
        while position < range.upperBound {
            let (word, mask, next) = Self.span(from: position, below: range.upperBound)
            count -= (mask & words[word]).nonzeroBitCount
            words[word] &= ~mask
            position = next
        }
    }

    /// The smallest member in `range`, nil when there is none.
    func first(in range: Range<Int>) -> Int? {
        var position = range.lowerBound
        while position < range.upperBound {
            let word = words[position >> 6] >> UInt64(position & 63)
            if word != 0 {
                let member = position + word.trailingZeroBitCount
                return member < range.upperBound ? member : nil
            }
            position = (position | 63) + 1
        }
        return nil
    }

    /// The smallest member at or above `start`, nil when there is none.
    func first(from start: Int) -> Int? {
        first(in: start..<capacity)
    }

    /// Whether some member lies in `range`.
    func intersects(_ range: Range<Int>) -> Bool {
        first(in: range) != nil
    }

    /// The word holding `position`, the mask of its bits from `position` up to `end` (exclusive) or the
    /// word's end, and the position after them.
    private static func span(from position: Int, below end: Int) -> (word: Int, mask: UInt64, next: Int) {
        let next = min((position | 63) + 1, end)
        let width = next - position
        let mask: UInt64 = (width == 64 ? .max : (1 << UInt64(width)) - 1) << UInt64(position & 63)
        return (position >> 6, mask, next)
    }
}
