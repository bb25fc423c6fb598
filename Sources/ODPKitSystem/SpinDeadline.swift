/// The deadline of a busy-wait: it reads the clock once per `interval` spins, not on every one, so the
/// loop between an event and its detection stays as short as a bare poll's; it starts at its first
/// clock read. Plain nanoseconds, and inlinable: a `ContinuousClock.Instant` is opaque to the optimizer
/// and cost a dozen runtime and value-witness calls per wait; the timeout is converted only at the
/// first clock read, so a wait that ends sooner makes no runtime call at all.
@frozen
public struct SpinDeadline {
    @usableFromInline let timeout: Duration
    @usableFromInline let mask: Int
    @usableFromInline var spins = 0
    @usableFromInline var deadline: UInt64 = 0

    /// A deadline `timeout` after the first clock read; `interval` must be a power of two.
    @inlinable
    public init(timeout: Duration, clockEvery interval: Int) {
        precondition(interval > 0 && interval & (interval - 1) == 0, "SpinDeadline: the interval is not a power of two")
        self.timeout = timeout
        mask = interval - 1
    }

    /// Counts one spin; true once the timeout has passed.
    @inlinable @inline(__always)
    public mutating func hasPassed() -> Bool {
        spins &+= 1
        guard spins & mask == 0 else { return false }
        let now = monotonicNanoseconds()
        if deadline == 0 {
            let (seconds, attoseconds) = timeout.components
            deadline = now &+ UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds / 1_000_000_000))
            return false
        }
        return now >= deadline
    }
}
