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
        .library(name: "UserFault", targets: ["UserFault"]),
        .executable(name: "odpkit", targets: ["odpkit"]),
        .executable(name: "stale-after-dontneed", targets: ["stale-after-dontneed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
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
            name: "UserFault",
            dependencies: ["Verbs", "CODPKitShim", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strictness
        ),
        .target(
            name: "ODPKit",
            dependencies: [
                "Verbs", "UserFault", "CODPKitShim",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "odpkit",
            dependencies: ["ODPKit", "Verbs", .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "stale-after-dontneed",
            dependencies: ["ODPKit", "Verbs"],
            path: "examples/stale-after-dontneed",
            swiftSettings: strictness
        ),
        .testTarget(
            name: "UserFaultTests",
            dependencies: ["UserFault", "Verbs", "CODPKitShim"],
            swiftSettings: strictness
        ),
        .testTarget(
            name: "ODPKitTests",
            dependencies: ["ODPKit", "Verbs", "CODPKitShim", .product(name: "MallocInterposerSwift", package: "malloc-interposer")],
            swiftSettings: strictness
        ),
    ]
)
