import CODPKitLinux

extension UserFaultFD {
    /// Which faults in a registered range the monitor is told about (`UFFDIO_REGISTER_MODE_*`).
    public struct RegisterMode: OptionSet, Hashable, Sendable {
        public let rawValue: UInt64

        public init(rawValue: UInt64) {
            self.rawValue = rawValue
        }

        /// Faults on pages that are not mapped; the monitor maps them with copy or zeroPage.
        public static let missing = RegisterMode(rawValue: 1 << 0)
        /// Writes to pages the monitor write-protected; it lifts the protection with writeProtect.
        public static let writeProtect = RegisterMode(rawValue: 1 << 1)
        /// Faults on shmem or hugetlbfs pages that are in the page cache but not mapped.
        public static let minor = RegisterMode(rawValue: 1 << 2)
    }
}
