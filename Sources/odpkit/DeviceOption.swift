import ArgumentParser

/// `--device`: the RDMA device to measure on.
struct DeviceOption: ParsableArguments {
    @Option(help: "The RDMA device (default: the first one; `odpkit peer` takes the one with a RoCE v2 GID of this host's IPv4 address first).")
    var device: String?
}
