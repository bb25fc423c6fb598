public import ODPKit

#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP socket that hands out `PeerChannel`s, one per peer that connects.
///
/// `close()` is idempotent; `deinit` closes. Channels already accepted stay open.
public final class PeerListener {
    /// The port it listens on (the one the kernel chose, when asked for port 0).
    public let port: UInt16
    private var fd: Int32?

    /// Listens on `port` of every IPv4 interface; port 0 lets the kernel choose (see `port`).
    ///
    /// The corresponding C functions are `socket`, `bind` and `listen`.
    public init(port: UInt16 = PeerChannel.defaultPort) throws(ODPKitError) {
        let fd = try system_tcpSocket()
        do throws(ODPKitError) {
            try system_setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR")
            try system_bind(fd, anyIPv4(port: port))
            try system_listen(fd, backlog: 4)
            self.port = UInt16(bigEndian: try system_localAddress(fd).sin_port)
        } catch {
            try? system_closeSocket(fd)
            throw error
        }
        self.fd = fd
    }

    deinit {
        try? close()
    }

    /// Waits for one peer to connect, for at most `timeout` (nil: as long as it takes, or until SIGINT
    /// or SIGTERM: `.interrupted`).
    ///
    /// The corresponding C functions are `poll` and `accept`.
    public func accept(timeout: Duration? = nil, ioTimeout: Duration = .seconds(60)) throws(ODPKitError) -> PeerChannel {
        guard let fd else { throw ODPKitError(.closed, function: "accept", reason: "the listener on port \(port) was closed") }
        guard try system_pollReadable(fd, timeout: timeout, waitingFor: "a peer to connect to port \(port)") else {
            throw ODPKitError(.timedOut, function: "accept", reason: "no peer connected to port \(port) within \(timeout.map { "\($0)" } ?? "forever")")
        }
        let (connected, peer) = try system_accept(fd)
        return try PeerChannel(fd: connected, peer: describe(peer), timeout: ioTimeout)
    }

    /// Stops listening. A second call does nothing.
    ///
    /// The corresponding C function is `close`.
    public func close() throws(ODPKitError) {
        guard let fd else { return }
        self.fd = nil
        try system_closeSocket(fd)
    }
}
