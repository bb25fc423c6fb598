import SystemPackage
import ODPKit

#if canImport(Glibc)
import Glibc
#endif

// One internal wrapper per socket call the peer channel makes; EINTR is retried in ODPKitSystem's
// `retryingOnInterrupt`, as for every other system call.

/// A blocking IPv4 TCP socket, close-on-exec. The corresponding C function is `socket`.
func system_tcpSocket() throws(ODPKitError) -> Int32 {
    try retryingOnInterrupt("socket", reason: "cannot create a TCP socket") {
        socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }
}

/// Sets an integer socket option. The corresponding C function is `setsockopt`.
func system_setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ what: String) throws(ODPKitError) {
    var value = value
    _ = try retryingOnInterrupt("setsockopt", reason: "cannot set \(what)") {
        setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }
}

/// Bounds every blocking receive and send on `fd` (`SO_RCVTIMEO`, `SO_SNDTIMEO`): they then fail with EAGAIN.
/// The corresponding C function is `setsockopt`.
func system_setTimeouts(_ fd: Int32, _ timeout: Duration) throws(ODPKitError) {
    let microseconds = max(1, timeout.nanoseconds / 1000)
    var value = timeval(tv_sec: Int(microseconds / 1_000_000), tv_usec: Int(microseconds % 1_000_000))
    for name in [SO_RCVTIMEO, SO_SNDTIMEO] {
        _ = try retryingOnInterrupt("setsockopt", reason: "cannot set the socket timeouts to \(timeout)") {
            setsockopt(fd, SOL_SOCKET, name, &value, socklen_t(MemoryLayout<timeval>.size))
        }
    }
}

/// Binds `fd` to `address`. The corresponding C function is `bind`.
func system_bind(_ fd: Int32, _ address: sockaddr_in) throws(ODPKitError) {
    var address = address
    _ = try retryingOnInterrupt("bind", reason: "cannot bind to \(describe(address))") {
        withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    }
}

/// Lets `fd` accept connections. The corresponding C function is `listen`.
func system_listen(_ fd: Int32, backlog: Int32) throws(ODPKitError) {
    _ = try retryingOnInterrupt("listen", reason: "cannot listen") { listen(fd, backlog) }
}

/// The address `fd` is bound to. The corresponding C function is `getsockname`.
func system_localAddress(_ fd: Int32) throws(ODPKitError) -> sockaddr_in {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = try retryingOnInterrupt("getsockname") {
        withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    }
    return address
}

/// Waits until `fd` is readable or `timeout` passes (nil: forever); returns whether it is readable.
/// It waits in slices of at most 100 ms and throws `.interrupted`, naming `waitingFor`, once
/// `interruption` is set.
/// The corresponding C function is `poll`.
func system_pollReadable(_ fd: Int32, timeout: Duration?, waitingFor: @autoclosure () -> String,
                         interruption: Interruption = .signals) throws(ODPKitError) -> Bool {
    let deadline = timeout.map { monotonicNanoseconds() &+ $0.nanoseconds }
    while true {
        try interruption.check("the wait for \(waitingFor())")
        let now = monotonicNanoseconds()
        let left = deadline.map { $0 > now ? $0 - now : 0 }
        let slice = min(100_000_000, left ?? 100_000_000)
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if try retryingOnInterrupt("poll", { poll(&entry, 1, Int32((slice + 999_999) / 1_000_000)) }) > 0 { return true }
        if left == 0 { return false }
    }
}

/// Accepts one connection on a listening `fd`: the new socket (close-on-exec) and the peer's address.
/// The corresponding C functions are `accept` and `fcntl(F_SETFD)`.
func system_accept(_ fd: Int32) throws(ODPKitError) -> (fd: Int32, peer: sockaddr_in) {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let connected = try retryingOnInterrupt("accept", reason: "cannot accept a connection") {
        withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(fd, $0, &length) } }
    }
    do throws(ODPKitError) {
        _ = try retryingOnInterrupt("fcntl") { fcntl(connected, F_SETFD, FD_CLOEXEC) }
    } catch {
        try? system_closeSocket(connected)
        throw error
    }
    return (connected, address)
}

/// Connects `fd` to `address`; nil when nobody is there yet (ECONNREFUSED, ENETUNREACH, EHOSTUNREACH,
/// ETIMEDOUT, or EINPROGRESS: no answer within the socket's send timeout), so the caller may try again
/// with a new socket. The corresponding C function is `connect`.
func system_connect(_ fd: Int32, _ address: sockaddr_in) throws(ODPKitError) -> Errno? {
    var address = address
    do throws(ODPKitError) {
        _ = try retryingOnInterrupt("connect", reason: "cannot connect to \(describe(address))") {
            withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        return nil
    } catch {
        switch error.errno {
        case .connectionRefused?, .networkUnreachable?, .noRouteToHost?, .timedOut?, .nowInProgress?: return error.errno
        // A connect interrupted and retried finds the first attempt's connection.
        case .socketIsConnected?: return nil
        default: throw error
        }
    }
}

/// Sends some of `bytes`, without SIGPIPE; returns how many went. The corresponding C function is `send`.
func system_send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(ODPKitError) -> Int {
    try retryingOnInterrupt("send", reason: "cannot send to the peer") { send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
}

/// Receives up to `buffer.count` bytes; 0 means the peer closed the connection.
/// The corresponding C function is `recv`.
func system_receive(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws(ODPKitError) -> Int {
    try retryingOnInterrupt("recv", reason: "cannot receive from the peer") { recv(fd, buffer.baseAddress, buffer.count, 0) }
}

/// Closes `fd`, which is released even when this fails (so EINTR is not retried).
/// The corresponding C function is `close`.
func system_closeSocket(_ fd: Int32) throws(ODPKitError) {
    guard Glibc.close(fd) == -1 else { return }
    let code = Errno(rawValue: errno)
    guard code != .interrupted else { return }
    throw ODPKitError.call("close", errno: code)
}

/// The IPv4 address of `host` (a dotted quad or a name) at `port`.
/// The corresponding C function is `getaddrinfo`.
func system_resolveIPv4(_ host: String, port: UInt16) throws(ODPKitError) -> sockaddr_in {
    var hints = addrinfo()
    hints.ai_family = AF_INET
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, nil, &hints, &list)
    defer { if let list { freeaddrinfo(list) } }
    guard status == 0, let first = list, let raw = first.pointee.ai_addr else {
        let reason = status == 0 ? "no IPv4 address" : String(cString: gai_strerror(status))
        throw ODPKitError(.notFound, function: "getaddrinfo", reason: "cannot resolve \(host): \(reason)")
    }
    var address = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
    address.sin_port = port.bigEndian
    return address
}

/// An IPv4 socket address for `port` on every interface (`INADDR_ANY`).
func anyIPv4(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr = in_addr(s_addr: 0)
    return address
}

/// `10.77.0.2:18515`.
func describe(_ address: sockaddr_in) -> String {
    var raw = address.sin_addr
    var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
    inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
    return "\(string(fromCBuffer: text)):\(UInt16(bigEndian: address.sin_port))"
}

/// The IPv4 addresses of this host's interfaces (in this network namespace), 4 bytes each in network order.
/// The corresponding C function is `getifaddrs`.
func system_localIPv4Addresses() throws(ODPKitError) -> Set<[UInt8]> {
    var list: UnsafeMutablePointer<ifaddrs>?
    _ = try retryingOnInterrupt("getifaddrs", reason: "cannot list the network interfaces") { getifaddrs(&list) }
    defer { freeifaddrs(list) }
    var addresses: Set<[UInt8]> = []
    var cursor = list
    while let entry = cursor {
        if let raw = entry.pointee.ifa_addr, raw.pointee.sa_family == sa_family_t(AF_INET) {
            var address = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            addresses.insert(withUnsafeBytes(of: &address) { Array($0) })
        }
        cursor = entry.pointee.ifa_next
    }
    return addresses
}
