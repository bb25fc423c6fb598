extension UserFaultMonitor {
    /// What a monitor has done so far; readable from any thread.
    public struct Counters: Hashable, Sendable, CustomStringConvertible {
        public var pageFaults = 0
        public var forks = 0
        public var remaps = 0
        public var removes = 0
        public var unmaps = 0
        /// Turns of the loop that ended with every pending event read; each called `onIdle`.
        public var idleTurns = 0
        /// Nudges (`wake()`, the shutdown request) the monitor thread noticed; several may count once.
        public var wakeups = 0
        /// How copy and zeroPage on the monitor's descriptor turned out, whichever thread called them.
        public var resolves = ResolveTally()

        /// Every event read.
        public var events: Int { pageFaults + forks + remaps + removes + unmaps }

        mutating func count(_ event: UserFaultEvent) {
            switch event {
            case .pageFault: pageFaults += 1
            case .fork: forks += 1
            case .remap: remaps += 1
            case .remove: removes += 1
            case .unmap: unmaps += 1
            }
        }

        public var description: String {
            "page faults \(pageFaults), forks \(forks), remaps \(remaps), removes \(removes), unmaps \(unmaps); "
                + "idle turns \(idleTurns), wake-ups \(wakeups); \(resolves)"
        }
    }
}
