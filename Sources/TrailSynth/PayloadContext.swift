import TrailCore

/// Scratch space for building one event's request, response and side objects. One context is
/// reused for every background call of a stream: its writers keep their capacity, so the hot
/// path appends into warm buffers instead of allocating per event.
final class PayloadContext {
    var rng = SynthRandom(seed: 0)
    /// A context serves one delivery stream, hence one account.
    let account: AWSAccount
    var region = ""
    var time = UTCTime(seconds: 0)
    /// The caller's TLS, which S3 echoes in its additional event data.
    var tlsVersion: AWSCaller.TLSVersion?

    private(set) var requestWriter = JSONWriter(capacity: 2048)
    private(set) var responseWriter = JSONWriter(capacity: 4096)
    private(set) var additionalWriter = JSONWriter(capacity: 512)
    private(set) var hasRequest = false
    private(set) var hasResponse = false
    private(set) var hasAdditional = false
    var resources: [AWSResource] = []
    /// Set by payloads whose service uses its own request-ID form or endpoint (S3).
    var requestID: String?
    var tlsHost: String?

    init(account: AWSAccount) {
        self.account = account
    }

    /// Prepares for the next event; buffers keep their capacity.
    func reset(seed: UInt64, region: String, time: UTCTime, tlsVersion: AWSCaller.TLSVersion?) {
        rng = SynthRandom(seed: seed)
        self.region = region
        self.time = time
        self.tlsVersion = tlsVersion
        requestWriter.bytes.removeAll(keepingCapacity: true)
        responseWriter.bytes.removeAll(keepingCapacity: true)
        additionalWriter.bytes.removeAll(keepingCapacity: true)
        hasRequest = false
        hasResponse = false
        hasAdditional = false
        resources.removeAll(keepingCapacity: true)
        requestID = nil
        tlsHost = nil
    }

    func request(_ body: (inout JSONWriter) -> Void) {
        requestWriter.object(body)
        hasRequest = true
    }

    func response(_ body: (inout JSONWriter) -> Void) {
        responseWriter.object(body)
        hasResponse = true
    }

    func additional(_ body: (inout JSONWriter) -> Void) {
        additionalWriter.object(body)
        hasAdditional = true
    }

    func resource(_ arn: String, _ type: String) {
        resources.append(AWSResource(arn: arn, accountID: account.id, type: type))
    }

    var requestBytes: [UInt8]? { hasRequest ? requestWriter.bytes : nil }
    var responseBytes: [UInt8]? { hasResponse ? responseWriter.bytes : nil }
    var additionalBytes: [UInt8]? { hasAdditional ? additionalWriter.bytes : nil }

    // MARK: Picking from the account's resources

    func instance() -> String { rng.pick(account.resources.instances) }
    func securityGroup() -> String { rng.pick(account.resources.securityGroups).id }
    func bucket() -> String { rng.pick(account.resources.buckets) }
    func function() -> String { rng.pick(account.resources.functions) }
    func human() -> IAMUserProfile { rng.pick(account.humans) }
    func kmsKeyARN() -> String { "arn:aws:kms:\(region):\(account.id):key/\(rng.pick(account.resources.kmsKeys))" }
    func functionARN(_ name: String) -> String { "arn:aws:lambda:\(region):\(account.id):function:\(name)" }
    func secretARN() -> String { "arn:aws:secretsmanager:\(region):\(account.id):secret:\(rng.pick(account.resources.secrets))" }
    func roleName() -> String {
        let a = account
        return rng.pick([a.ci.name, a.instanceRole.name, a.vendorRole.name, a.samlRole.name, a.ssoAdmin.name] + a.lambdaRoles.map(\.name))
    }
}
