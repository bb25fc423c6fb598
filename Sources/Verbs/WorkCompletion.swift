import CODPKitVerbs
public import ODPKitSystem

/// One completed work request (`struct ibv_wc`).
public struct WorkCompletion: Sendable, Hashable, CustomStringConvertible {
    /// The caller's identifier for the work request.
    public var id: UInt64
    public var status: Status
    var opcode: ibv_wc_opcode
    public var byteLength: UInt32
    public var queuePairNumber: UInt32
    public var vendorError: UInt32

    /// A completion status (`enum ibv_wc_status`).
    public struct Status: Sendable, Hashable, CustomStringConvertible {
        let raw: ibv_wc_status
        public var isSuccess: Bool { raw == IBV_WC_SUCCESS }
        /// The C name's description from `ibv_wc_status_str` ("remote access error").
        public var description: String { String(cString: ibv_wc_status_str(raw)) }
        public static let success = Status(raw: IBV_WC_SUCCESS)
        public static let remoteAccessError = Status(raw: IBV_WC_REM_ACCESS_ERR)
        public static let flushed = Status(raw: IBV_WC_WR_FLUSH_ERR)
    }

    init(_ wc: ibv_wc) {
        id = wc.wr_id
        status = Status(raw: wc.status)
        opcode = wc.opcode
        byteLength = wc.byte_len
        queuePairNumber = wc.qp_num
        vendorError = wc.vendor_err
    }

    /// Whether this completes a receive (as opposed to a send, read, write or atomic).
    public var isReceive: Bool { opcode.rawValue & IBV_WC_RECV.rawValue != 0 }

    public var description: String {
        "wr \(id) on QP \(queuePairNumber): \(status)" + (vendorError != 0 ? " (vendor error 0x\(String(vendorError, radix: 16)))" : "")
    }

    /// Throws `.completionError` unless the work request succeeded; `operation` is worded only then.
    public func requireSuccess(_ operation: @autoclosure () -> String) throws(ODPKitError) {
        guard !status.isSuccess else { return }
        throw ODPKitError(.completionError, function: "ibv_poll_cq", reason: "\(operation()) failed: \(self)")
    }
}
