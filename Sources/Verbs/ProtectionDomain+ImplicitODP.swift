import CODPKitVerbs
public import ODPKitSystem

extension ProtectionDomain {
    /// Registers an implicit ODP region — the whole address space, address NULL and length SIZE_MAX
    /// with `IBV_ACCESS_ON_DEMAND` — and deregisters it at once: whether the device takes one, whatever
    /// its capability bits say. Throws the registration's error (a device without implicit ODP answers
    /// EINVAL or EOPNOTSUPP).
    ///
    /// The corresponding C functions are `ibv_reg_mr_iova2` and `ibv_dereg_mr`.
    public func registerImplicitODPOnce(access: AccessFlags = .readWrite) throws(ODPKitError) {
        let raw = try live("ibv_reg_mr_iova2")
        let flags = access.union(.onDemand)
        // size_t's SIZE_MAX: Swift imports size_t as Int.
        guard let mr = ibv_reg_mr_iova2(raw, nil, Int(bitPattern: UInt.max), 0, UInt32(flags.rawValue)) else {
            throw ODPKitError.call("ibv_reg_mr_iova2", errno: lastErrno(),
                                   reason: "\(context.deviceName) did not register an implicit ODP region (address NULL, length SIZE_MAX, \(flags))")
        }
        try checkVerbs("ibv_dereg_mr", ibv_dereg_mr(mr), reason: "cannot deregister the implicit ODP region on \(context.deviceName)")
    }
}
