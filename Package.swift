// swift-tools-version:6.0
import PackageDescription

// The stages that touch every event: the compiler's static exclusivity checks apply, the
// run-time ones (a call into the runtime on each access to a class's stored property) are
// left out. They cost about a tenth of trail-enrich's time per event (`make bench`).
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "trail",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "trail-fetch", targets: ["trail-fetch"]),
        .executable(name: "trail-flatten", targets: ["trail-flatten"]),
        .executable(name: "trail-enrich", targets: ["trail-enrich"]),
        .executable(name: "trail-match", targets: ["trail-match"]),
        .executable(name: "trail-notify", targets: ["trail-notify"]),
        .executable(name: "trail-synth", targets: ["trail-synth"]),
        .executable(name: "trail-report", targets: ["trail-report"]),
        // The stage libraries, for the fuzz harnesses in Fuzz/ and the benchmarks in Benchmarks/.
        .library(name: "TrailCore", targets: ["TrailCore"]),
        .library(name: "TrailNetwork", targets: ["TrailNetwork"]),
        .library(name: "TrailFetch", targets: ["TrailFetch"]),
        .library(name: "TrailFlatten", targets: ["TrailFlatten"]),
        .library(name: "TrailEnrich", targets: ["TrailEnrich"]),
        .library(name: "TrailMatch", targets: ["TrailMatch"]),
        .library(name: "TrailNotify", targets: ["TrailNotify"]),
        .library(name: "TrailReport", targets: ["TrailReport"]),
        // The corpus generator, for the stage benchmarks in Benchmarks/ (a package of its own).
        .library(name: "TrailSynth", targets: ["TrailSynth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
    ],
    targets: [
        // zlib from Debian's zlib1g-dev: streaming gzip inflate (and deflate for writing archives).
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // libdeflate from Debian's libdeflate-dev: whole gzip members inflated twice as fast as
        // zlib, their CRC with the CPU's carry-less multiply (`Gzip`).
        .systemLibrary(name: "CLibdeflate", providers: [.apt(["libdeflate-dev"])]),
        // libcurl from Debian's libcurl4-openssl-dev: HTTP, and SMTP with STARTTLS/implicit TLS and AUTH.
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // Shared core: NDJSON streaming, the byte-level JSON scanner, gzip, diagnostics, and the
        // one grammar each for durations, times, calendars, hex and base64.
        .target(name: "TrailCore", dependencies: ["CZlib", "CLibdeflate", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: hotPath),
        // Networking: the libcurl HTTP and mail transports, SigV4 signing, and the AWS and
        // Alibaba Cloud credential chains (trail-fetch's S3/OSS/SQS, trail-notify's targets).
        .target(name: "TrailNetwork", dependencies: ["TrailCore", "CCurl", .product(name: "Crypto", package: "swift-crypto")]),

        // One library per stage; the executables only parse flags and call these.
        .target(name: "TrailFetch", dependencies: [
            "TrailCore", "TrailNetwork", .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .target(name: "TrailFlatten", dependencies: ["TrailCore"], swiftSettings: hotPath),
        .target(name: "TrailEnrich", dependencies: ["TrailCore", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: hotPath),
        .target(name: "TrailMatch", dependencies: ["TrailCore", .product(name: "Yams", package: "Yams")], swiftSettings: hotPath),
        .target(name: "TrailNotify", dependencies: [
            "TrailCore", "TrailNetwork",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Mustache", package: "swift-mustache"),
        ]),
        // Realistic trails on demand: the bundled sample, benchmark corpora, rule tests.
        .target(name: "TrailSynth", dependencies: [
            "TrailCore", .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        // One self-contained HTML page over events, alerts and integrity findings.
        .target(name: "TrailReport", dependencies: ["TrailCore"]),

        // What every executable shares: the common option groups and the run's exit status.
        .target(name: "TrailCommandLine", dependencies: ["TrailCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "trail-fetch", dependencies: ["TrailFetch", "TrailCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "trail-flatten", dependencies: ["TrailFlatten", "TrailCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "trail-enrich", dependencies: ["TrailEnrich", "TrailCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "trail-match", dependencies: ["TrailMatch", "TrailCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "trail-notify", dependencies: ["TrailNotify", "TrailCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "trail-synth", dependencies: ["TrailSynth", "TrailCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "trail-report", dependencies: ["TrailReport", "TrailCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // Temporary folders and files for the tests of every stage.
        .target(name: "TrailTestSupport", dependencies: ["TrailCore"], path: "Tests/Support"),
        // Regressions: inputs `make fuzz` found, replayed by each target's RegressionTests.
        .testTarget(name: "TrailCoreTests", dependencies: ["TrailCore", "TrailTestSupport"], exclude: ["Regressions"]),
        .testTarget(name: "TrailNetworkTests", dependencies: ["TrailNetwork", "TrailTestSupport"]),
        .testTarget(name: "TrailFetchTests", dependencies: ["TrailFetch", "TrailNetwork", "TrailSynth", "TrailTestSupport", "trail-fetch"],
                    exclude: ["signed_s3_listener.py", "credential_endpoints.py"]),
        .testTarget(name: "TrailFlattenTests", dependencies: ["TrailFlatten", "TrailTestSupport", "trail-flatten"], exclude: ["Golden", "Regressions"]),
        .testTarget(name: "TrailEnrichTests", dependencies: ["TrailEnrich", "TrailTestSupport"], exclude: ["mmdb_reference.py"]),
        .testTarget(name: "TrailMatchTests", dependencies: ["TrailMatch", "TrailTestSupport", "trail-match"], exclude: ["SigmaHQStyle", "Regressions"]),
        .testTarget(name: "TrailNotifyTests", dependencies: ["TrailNotify", "TrailNetwork", "TrailTestSupport", "trail-notify"]),
        .testTarget(name: "TrailSynthTests", dependencies: ["TrailSynth", "TrailTestSupport"]),
        .testTarget(name: "TrailReportTests", dependencies: [
            "TrailReport", "TrailTestSupport",
            "trail-report", "trail-fetch", "trail-flatten", "trail-enrich", "trail-match",
        ]),
        // End-to-end: runs the built executables in shell pipelines over the bundled sample.
        .testTarget(name: "PipelineTests", dependencies: [
            "TrailTestSupport", "TrailMatch",
            "trail-fetch", "trail-flatten", "trail-enrich", "trail-match", "trail-notify", "trail-synth", "trail-report",
        ], exclude: ["scheduled-runs.sh", "installed-watch.sh", "doc-examples.sh"]),
    ]
)
