// swift-tools-version:5.4
// 5.4, not 6: from 5.5 on SwiftPM links executables with `--defsym main=<module>_main` (the
// entry point renamed for testing), which a libFuzzer harness, whose main is libFuzzer's, lacks.
import PackageDescription

// libFuzzer harnesses, one per stage, in a package of their own so that the main package's
// `swift build` and `swift test` never see the fuzzer flags. `make fuzz` builds them with
// `-sanitize=fuzzer,address -parse-as-library -enable-testing` into Fuzz/.build; testing is
// enabled so that a harness can reach internal entry points (notify's Message renderings,
// the report page) with `@testable import`.

/// Each harness and the stage library it drives.
let harnesses = [
    "json": "TrailCore", "flatten": "TrailFlatten", "enrich": "TrailEnrich", "match": "TrailMatch",
    "notify": "TrailNotify", "report": "TrailReport", "fetch": "TrailFetch",
]

let package = Package(
    name: "trail-fuzz",
    // Named, so that the harnesses find it whatever the checkout folder is called.
    dependencies: [.package(name: "trail", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "TrailCore", package: "trail")]),
    ] + harnesses.sorted { $0.key < $1.key }.map { stage, library in
        .executableTarget(name: "fuzz-\(stage)", dependencies: ["FuzzSupport", .product(name: library, package: "trail")])
    }
)
