public import ODPKitSystem
import ODPKit

extension ODPKitError.Code {
    /// A program the bench runs (perftest's wrapper, a perftest partner) did not start, failed, or
    /// printed no result.
    public static let programFailed = ODPKitError.Code(name: "program-failed")
}
