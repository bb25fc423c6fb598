import ODPKit

extension CoherenceScenario {
    /// The bytes `pwrite` puts into the file.
    static let fileWritePattern = BytePattern(salt: 0x93)

    /// `pwrite` of other bytes over the whole memfd through its descriptor, not through the mapping.
    static let memfdWrite = CoherenceScenario("memfd-pwrite", "pwrite() of other bytes through the memfd's descriptor",
                                              memory: .memfd, patterns: [fileWritePattern]) { memory throws(ODPKitError) in
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: memory.length, alignment: 1)
        defer { buffer.deallocate() }
        fileWritePattern.fill(buffer)
        try system_pwrite(memory.descriptor, UnsafeRawBufferPointer(buffer), at: 0)
    }

    /// `ftruncate` of the memfd to zero and back to its size: its pages leave the file, which reads as zeros.
    static let memfdTruncate = CoherenceScenario("memfd-truncate", "ftruncate() of the memfd to zero and back to its size",
                                                 memory: .memfd) { memory throws(ODPKitError) in
        try system_ftruncate(memory.descriptor, 0)
        try system_ftruncate(memory.descriptor, memory.length)
    }

    /// `fallocate(FALLOC_FL_PUNCH_HOLE)` over the whole memfd: its pages leave the file, which keeps its size.
    static let memfdPunchHole = CoherenceScenario("memfd-punch-hole", "fallocate(PUNCH_HOLE | KEEP_SIZE) of the whole memfd",
                                                  memory: .memfd) { memory throws(ODPKitError) in
        try system_punchHole(memory.descriptor, 0, memory.length)
    }
}
