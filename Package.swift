// swift-tools-version: 6.1
import PackageDescription

let strictness: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "odpkit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ODPKit", targets: ["ODPKit"]),
        .library(name: "Verbs", targets: ["Verbs"]),
        .executable(name: "odpkit", targets: ["odpkit"]),
        .executable(name: "stale-after-dontneed", targets: ["stale-after-dontneed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    ],
    targets: [
        .target(
            name: "CODPKitShim",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("ibverbs"), .linkedLibrary("dl")]
        ),
        .target(
            name: "Verbs",
            dependencies: ["CODPKitShim", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strictness
        ),
        .target(
            name: "ODPKit",
            dependencies: ["Verbs", "CODPKitShim", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "odpkit",
            dependencies: ["ODPKit", "Verbs", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "stale-after-dontneed",
            dependencies: ["ODPKit", "Verbs"],
            path: "examples/stale-after-dontneed",
            swiftSettings: strictness
        ),
        .testTarget(
            name: "ODPKitTests",
            dependencies: ["ODPKit", "Verbs", "CODPKitShim"],
            swiftSettings: strictness
        ),
    ]
)
