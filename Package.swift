// swift-tools-version: 6.1
import PackageDescription

let strictness: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let system = Target.Dependency.product(name: "SystemPackage", package: "swift-system")
let histogram = Target.Dependency.product(name: "Histogram", package: "hdrhistogram-swift")

let package = Package(
    name: "odpkit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ODPKit", targets: ["ODPKit"]),
        .library(name: "Verbs", targets: ["Verbs"]),
        .library(name: "UserFault", targets: ["UserFault"]),
        .library(name: "ODPKitReport", targets: ["ODPKitReport"]),
        .library(name: "ODPKitBench", targets: ["ODPKitBench"]),
        .executable(name: "odpkit", targets: ["odpkit"]),
        .executable(name: "stale-after-dontneed", targets: ["stale-after-dontneed"]),
        .executable(name: "readme-example", targets: ["readme-example"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
    ],
    targets: [
        // C shims, one per concern: Linux (userfaultfd, capabilities, mremap) and libibverbs.
        .target(name: "CODPKitLinux", cSettings: [.define("_GNU_SOURCE")], linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CODPKitVerbs", cSettings: [.define("_GNU_SOURCE")], linkerSettings: [.linkedLibrary("ibverbs")]),
        // System support: the error type, the EINTR retry, the page size, the clock.
        .target(name: "ODPKitSystem", dependencies: ["CODPKitLinux", system], swiftSettings: strictness),
        .target(name: "Verbs", dependencies: ["CODPKitVerbs", "CODPKitLinux", "ODPKitSystem", system], swiftSettings: strictness),
        .target(name: "UserFault", dependencies: ["CODPKitLinux", "ODPKitSystem", system], swiftSettings: strictness),
        // The library a user imports: memory, the three registration modes, the mirror.
        .target(
            name: "ODPKit",
            dependencies: ["ODPKitSystem", "Verbs", "UserFault", "CODPKitLinux", system, histogram],
            swiftSettings: strictness
        ),
        // The report: its model, statistics and rendering (text, JSON, CSV, HTML/SVG).
        .target(name: "ODPKitReport", dependencies: ["ODPKit", "ODPKitSystem", system, histogram], swiftSettings: strictness),
        // The measuring bench: fixtures, probes, the suite, perftest rounds, the peer probe.
        .target(
            name: "ODPKitBench",
            dependencies: ["ODPKit", "ODPKitReport", "ODPKitSystem", "Verbs", "UserFault", "CODPKitLinux", "CODPKitVerbs", system, histogram],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "odpkit",
            dependencies: ["ODPKit", "ODPKitBench", "ODPKitReport", .product(name: "ArgumentParser", package: "swift-argument-parser"), histogram],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "stale-after-dontneed",
            dependencies: ["ODPKit", "ODPKitBench"],
            path: "examples/stale-after-dontneed",
            swiftSettings: strictness
        ),
        // The README's example, compiled so that it cannot rot (ReadmeExampleTests compares the two).
        .executableTarget(
            name: "readme-example",
            dependencies: ["ODPKit"],
            path: "examples/readme-example",
            swiftSettings: strictness
        ),
        .testTarget(
            name: "UserFaultTests",
            dependencies: ["UserFault", "ODPKitSystem", "CODPKitLinux", "TestSupport"],
            swiftSettings: strictness
        ),
        // What the test targets share: whether an RDMA device is here, the kernel's count of memory regions,
        // temporary directories, running the built products.
        .target(name: "TestSupport", dependencies: ["Verbs", "ODPKitSystem", "CODPKitLinux"], path: "Tests/TestSupport", swiftSettings: strictness),
        .testTarget(
            name: "VerbsTests",
            dependencies: ["Verbs", "ODPKitSystem", "TestSupport"],
            swiftSettings: strictness
        ),
        // The library; the mirror's integration tests use the bench's loopback path and coherence check.
        .testTarget(
            name: "ODPKitTests",
            dependencies: ["ODPKit", "ODPKitBench", "ODPKitSystem", "Verbs", "UserFault", "TestSupport"],
            swiftSettings: strictness
        ),
        .testTarget(
            name: "ODPKitReportTests",
            dependencies: ["ODPKitReport", "ODPKit", "ODPKitBench", "TestSupport", histogram],
            swiftSettings: strictness
        ),
        // The bench: probes, the suite's budget, perftest rounds, the peer, and the rxe integration suites;
        // the allocation suite counts with ordo-one's malloc interposer.
        .testTarget(
            name: "ODPKitBenchTests",
            dependencies: ["ODPKitBench", "ODPKit", "ODPKitReport", "ODPKitSystem", "Verbs", "CODPKitLinux", "TestSupport",
                           .product(name: "MallocInterposerSwift", package: "malloc-interposer")],
            swiftSettings: strictness
        ),
    ]
)
