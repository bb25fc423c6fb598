public import ODPKit

/// One mode's region of a probe: an anonymous mapping filled with a byte, registered in that mode.
public struct ProbeRegion {
    public let mode: RegistrationMode
    public let memory: AnonymousMemory
    public let region: RegisteredRegion

    /// One region of `bytes` per mode, in the order of `modes`; close them with `closeAll`.
    static func perMode(_ modes: [RegistrationMode], bytes: Int, fill: UInt8, mirrorRefresh: MirrorRegion.Refresh,
                        on path: LoopbackPath) throws(ODPKitError) -> [ProbeRegion] {
        var regions: [ProbeRegion] = []
        do throws(ODPKitError) {
            for mode in modes {
                let memory = try AnonymousMemory(length: bytes)
                memory.fill(fill)
                regions.append(ProbeRegion(mode: mode, memory: memory, region: try path.register(mode, memory, mirrorRefresh: mirrorRefresh)))
            }
        } catch {
            closeAll(regions)
            throw error
        }
        return regions
    }

    /// Deregisters every region; a failure is left to the path's close, which closes what is left.
    static func closeAll(_ regions: [ProbeRegion]) {
        for entry in regions { try? entry.region.close() }
    }
}
