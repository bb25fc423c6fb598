import SystemPackage
public import ODPKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection to the probe's peer, the side channel perftest uses to exchange queue-pair
/// details: each message is a 4-byte big-endian length, then that many bytes of JSON.
///
/// A receive or send that waits longer than the `ioTimeout` the channel was made with fails with
/// `.timedOut`, and a receive or a connection attempt stops with `.interrupted` on SIGINT or SIGTERM
/// (`Interruption.signals`); `close()` is idempotent, `deinit` closes.
public final class PeerChannel {
    /// The port `odpkit peer` listens on unless told otherwise (perftest's is 18515).
    public static let defaultPort: UInt16 = 18516
    /// The largest message `receive` accepts by default.
    public static let defaultMaximumMessageBytes = 16 << 20

    /// The other end, `10.77.0.2:18516`.
    public let peer: String
    /// A longer announced length is refused before anything is read or allocated.
    public var maximumMessageBytes = PeerChannel.defaultMaximumMessageBytes
    private var fd: Int32?
    /// How long a receive waits for the peer's next bytes.
    private let timeout: Duration

    init(fd: Int32, peer: String, timeout: Duration) throws(ODPKitError) {
        self.fd = fd
        self.peer = peer
        self.timeout = timeout
        do throws(ODPKitError) {
            try system_setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1, "TCP_NODELAY")
            try system_setTimeouts(fd, timeout)
        } catch {
            try? system_closeSocket(fd)
            self.fd = nil
            throw error
        }
    }

    deinit {
        try? close()
    }

    /// Connects to `host` (a name or an IPv4 address) at `port`, trying again every 50 ms while nobody
    /// listens there (or answers within a second), until `timeout` passes.
    ///
    /// The corresponding C functions are `getaddrinfo`, `socket` and `connect`.
    public static func connect(host: String, port: UInt16 = defaultPort, timeout: Duration = .seconds(30), ioTimeout: Duration = .seconds(60)) throws(ODPKitError) -> PeerChannel {
        let address = try system_resolveIPv4(host, port: port)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let fd = try system_tcpSocket()
            let refused: Errno?
            do throws(ODPKitError) {
                // A host that does not answer holds connect for the kernel's SYN retries (minutes): each
                // attempt gets at most a second, so that the deadline and SIGINT are heard.
                try system_setTimeouts(fd, min(.seconds(1), max(.milliseconds(1), deadline - clock.now)))
                refused = try system_connect(fd, address)
            } catch {
                try? system_closeSocket(fd)
                throw error
            }
            guard let refused else {
                return try PeerChannel(fd: fd, peer: describe(address), timeout: ioTimeout)
            }
            try? system_closeSocket(fd)
            try Interruption.signals.check("the connection to \(describe(address))")
            guard clock.now < deadline else {
                throw ODPKitError(.timedOut, function: "connect", errno: refused, reason: "nobody accepted a connection at \(describe(address)) within \(timeout) (last: \(refused)); is `odpkit peer serve` running there?")
            }
            usleep(50_000)
        }
    }

    private func live(_ function: String) throws(ODPKitError) -> Int32 {
        guard let fd else { throw ODPKitError(.closed, function: function, reason: "the channel to \(peer) was closed") }
        return fd
    }

    /// Sends `message` as one length-prefixed JSON message.
    public func send(_ message: some Encodable) throws(ODPKitError) {
        let body: Data
        do {
            body = try JSONEncoder().encode(message)
        } catch {
            throw ODPKitError(.invalidArgument, function: "odpkit peer send", reason: "cannot encode \(type(of: message)) as JSON: \(error)")
        }
        guard body.count <= Int(UInt32.max) else {
            throw ODPKitError(.invalidArgument, function: "odpkit peer send", reason: "a message of \(body.count) bytes does not fit a 4-byte length")
        }
        let length = UInt32(body.count).bigEndian
        try write(withUnsafeBytes(of: length) { Array($0) } + Array(body))
    }

    /// Receives one length-prefixed JSON message and decodes it as `Message`.
    ///
    /// A length above `maximumMessageBytes` or of zero, or bytes that are not such a message, throw
    /// `.invalidArgument`; the peer closing the connection throws `.closed`, saying whether it stopped
    /// mid-message.
    public func receive<Message: Decodable>(_ type: Message.Type = Message.self) throws(ODPKitError) -> Message {
        let header = try read(count: 4, "length")
        let length = Int(header.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(as: UInt32.self)) })
        guard length > 0, length <= maximumMessageBytes else {
            throw ODPKitError(.invalidArgument, function: "odpkit peer receive", reason: "\(peer) announced a message of \(length) bytes, outside 1...\(maximumMessageBytes): not an odpkit peer, or out of step")
        }
        let body = try read(count: length, "body")
        do {
            return try JSONDecoder().decode(Message.self, from: Data(body))
        } catch {
            let preview = String(decoding: body.prefix(80), as: UTF8.self)
            throw ODPKitError(.invalidArgument, function: "odpkit peer receive", reason: "\(length) bytes from \(peer) are not a \(Message.self) message (\(error)): \(preview)")
        }
    }

    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8]) throws(ODPKitError) {
        let fd = try live("send")
        let failure: ODPKitError? = bytes.withUnsafeBytes { buffer in
            var sent = 0
            while sent < buffer.count {
                do throws(ODPKitError) {
                    sent += try timedOutAsError("send", "sending to \(peer)") { () throws(ODPKitError) in
                        try system_send(fd, UnsafeRawBufferPointer(rebasing: buffer[sent...]))
                    }
                } catch {
                    return error
                }
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// Reads exactly `count` bytes of a message's `part` ("length" or "body").
    private func read(count: Int, _ part: String) throws(ODPKitError) -> [UInt8] {
        let fd = try live("recv")
        var bytes = [UInt8](repeating: 0, count: count)
        let failure: ODPKitError? = bytes.withUnsafeMutableBytes { buffer in
            var received = 0
            while received < count {
                let got: Int
                do throws(ODPKitError) {
                    // Waited for here, in slices that SIGINT or SIGTERM can end, rather than in recv.
                    guard try system_pollReadable(fd, timeout: timeout, waitingFor: "a message's \(part) from \(peer)") else {
                        throw ODPKitError(.timedOut, function: "recv", reason: "timed out waiting for a message's \(part) from \(peer)")
                    }
                    got = try timedOutAsError("recv", "waiting for a message's \(part) from \(peer)") { () throws(ODPKitError) in
                        try system_receive(fd, UnsafeMutableRawBufferPointer(rebasing: buffer[received...]))
                    }
                } catch {
                    return error
                }
                guard got > 0 else {
                    let between = part == "length" && received == 0
                    let when = between ? "" : " in the middle of a message, after \(received) of the \(count) bytes of its \(part)"
                    return ODPKitError(.closed, function: "recv", reason: "\(peer) closed the connection\(when)")
                }
                received += got
            }
            return nil
        }
        if let failure { throw failure }
        return bytes
    }

    /// The socket timeout's EAGAIN as `.timedOut`.
    private func timedOutAsError<Result>(_ function: String, _ doing: String, _ call: () throws(ODPKitError) -> Result) throws(ODPKitError) -> Result {
        do throws(ODPKitError) {
            return try call()
        } catch where error.errno == .resourceTemporarilyUnavailable {
            throw ODPKitError(.timedOut, function: function, errno: error.errno, reason: "timed out \(doing)")
        }
    }

    /// Closes the connection. A second call does nothing.
    ///
    /// The corresponding C function is `close`.
    public func close() throws(ODPKitError) {
        guard let fd else { return }
        self.fd = nil
        try system_closeSocket(fd)
    }
}
