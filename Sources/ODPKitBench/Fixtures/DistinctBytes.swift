/// `bytes`, changed where needed so that each differs from zero and from the byte at its position in every
/// one of `avoiding`: a canary or a written buffer that no outcome of a transfer can be taken for, not even
/// in part. A byte that meets one is bumped by one (skipping zero); one pass per array, repeated until a
/// pass changes nothing (a bump can only meet an array a few times: `avoiding` is short).
func distinctBytes(_ bytes: [UInt8], avoiding: [[UInt8]]) -> [UInt8] {
    var result = bytes
    result.withUnsafeMutableBufferPointer { result in
        for position in result.indices where result[position] == 0 { result[position] = 1 }
        var changed = true
        while changed {
            changed = false
            for other in avoiding {
                precondition(other.count >= result.count, "an array to avoid is shorter than the bytes")
                other.withUnsafeBufferPointer { other in
                    for position in result.indices where result[position] == other[position] {
                        result[position] &+= result[position] == 0xFF ? 2 : 1
                        changed = true
                    }
                }
            }
        }
    }
    return result
}
