// swift-tools-version:6.1
import PackageDescription

// Each stage's hot loop measured in process with ordo-one/benchmark (`make benchmarks`,
// docs/performance.md). A package of its own, like Fuzz/, so that the main package's
// `swift build`, `swift test` and `make run` never resolve or build the benchmark tool and
// its dependencies.
let package = Package(
    name: "trail-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        // Named, so that the benchmarks find it whatever the checkout folder is called.
        .package(name: "trail", path: ".."),
        // MallocInterposer only: the malloc counts; the other default trait needs a package
        // (swift-runtime-interposer) that is not on the build machines.
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "TrailStages",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TrailCore", package: "trail"),
                .product(name: "TrailFetch", package: "trail"),
                .product(name: "TrailFlatten", package: "trail"),
                .product(name: "TrailEnrich", package: "trail"),
                .product(name: "TrailMatch", package: "trail"),
                .product(name: "TrailNotify", package: "trail"),
                .product(name: "TrailSynth", package: "trail"),
            ],
            path: "Benchmarks/TrailStages",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
