import CODPKitVerbs
public import ODPKitSystem

/// One RDMA device as `ibv_get_device_list` reports it, before it is opened.
public struct DeviceDescriptor: Sendable, Hashable {
    /// The kernel's name for the device (`rxe0`, `mlx5_0`).
    public let name: String
    /// The node GUID in host byte order.
    public let nodeGUID: UInt64
    /// The sysfs path of the device (`/sys/class/infiniband/rxe0`).
    public let sysfsPath: String
}

/// The RDMA devices of this machine.
public enum DeviceList {
    /// Every RDMA device; empty when there is none or the kernel has no RDMA support loaded.
    ///
    /// The corresponding C function is `ibv_get_device_list`.
    public static func all() -> [DeviceDescriptor] {
        withDeviceList { devices in
            devices.map { device in
                DeviceDescriptor(
                    name: String(cString: ibv_get_device_name(device)),
                    nodeGUID: UInt64(bigEndian: ibv_get_device_guid(device)),
                    sysfsPath: string(fromCCharTuple: device.pointee.ibdev_path)
                )
            }
        }
    }

    /// The error every entry point gives when this machine has no RDMA device.
    public static var noDeviceError: ODPKitError {
        ODPKitError(
            .noDevice, function: "ibv_get_device_list",
            reason: "no RDMA device found; load soft-RoCE with `modprobe rdma_rxe && rdma link add rxe0 type rxe netdev <ifname>`, or run inside the testbed: `testbed/run -- <command>`"
        )
    }

    /// Calls `body` with the live device list, which is freed when `body` returns.
    static func withDeviceList<R, E: Error>(_ body: ([UnsafeMutablePointer<ibv_device>]) throws(E) -> R) throws(E) -> R {
        var count: Int32 = 0
        guard let list = ibv_get_device_list(&count) else {
            return try body([])
        }
        defer { ibv_free_device_list(list) }
        return try body((0..<Int(count)).compactMap { list[$0] })
    }
}
