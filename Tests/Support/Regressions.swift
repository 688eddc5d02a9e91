import Foundation
import TrailCore

/// The inputs `make fuzz` found crashing a stage, kept in a test target's `Regressions` folder
/// (excluded from its sources): each test replays them through its stage.
public func regressionInputs(of testTarget: String) throws -> [String] {
    try FileIO.filesBelow(packageRoot + "/Tests/\(testTarget)/Regressions").sorted()
}
