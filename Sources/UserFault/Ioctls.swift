import CODPKitLinux

extension UserFaultFD {
    /// Which ioctls the kernel offers: on the descriptor after UFFDIO_API, or on a range after UFFDIO_REGISTER.
    /// Bit `n` stands for the ioctl numbered `n` (`1 << _UFFDIO_COPY` for UFFDIO_COPY).
    public struct Ioctls: OptionSet, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt64

        public init(rawValue: UInt64) {
            self.rawValue = rawValue
        }

        private init(number: Int32) {
            rawValue = 1 << UInt64(number)
        }

        public static let register = Ioctls(number: _UFFDIO_REGISTER)
        public static let unregister = Ioctls(number: _UFFDIO_UNREGISTER)
        public static let wake = Ioctls(number: _UFFDIO_WAKE)
        public static let copy = Ioctls(number: _UFFDIO_COPY)
        public static let zeroPage = Ioctls(number: _UFFDIO_ZEROPAGE)
        /// UFFDIO_MOVE (Linux 6.8; number 0x05, not in bookworm's headers).
        public static let move = Ioctls(number: 0x05)
        public static let writeProtect = Ioctls(number: _UFFDIO_WRITEPROTECT)
        /// UFFDIO_CONTINUE: map the page-cache page of a minor fault.
        public static let `continue` = Ioctls(number: _UFFDIO_CONTINUE)
        /// UFFDIO_POISON (Linux 6.6; number 0x08, not in bookworm's headers).
        public static let poison = Ioctls(number: 0x08)
        /// UFFDIO_RWPROTECT (newer than 6.18; number 0x09): set or clear read-write protection.
        public static let rwProtect = Ioctls(number: 0x09)
        /// UFFDIO_SET_MODE (newer than 6.18; number 0x0A): change a descriptor's mode after the handshake.
        public static let setMode = Ioctls(number: 0x0A)
        public static let api = Ioctls(number: _UFFDIO_API)

        static let named: [(Ioctls, String)] = [
            (.register, "register"), (.unregister, "unregister"), (.wake, "wake"), (.copy, "copy"),
            (.zeroPage, "zeroPage"), (.move, "move"), (.writeProtect, "writeProtect"), (.continue, "continue"),
            (.poison, "poison"), (.rwProtect, "rwProtect"), (.setMode, "setMode"), (.api, "api"),
        ]

        public var description: String { describeBits(rawValue, names: Self.named.map { ($0.rawValue, $1) }) }
    }
}
