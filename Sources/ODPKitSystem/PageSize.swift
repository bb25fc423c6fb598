#if canImport(Glibc)
import Glibc
#endif

/// The system page size in bytes: the one page size every odpkit module uses.
///
/// The corresponding C function is `sysconf(_SC_PAGESIZE)`.
public let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
