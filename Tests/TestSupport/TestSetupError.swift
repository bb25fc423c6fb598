/// A test's setup or its evidence could not be had (a command failed, a limit could not be set): the
/// test fails with this, naming what.
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
