/// The fields a contract type reads from an object and the objects nested in it, by path
/// (`actor.name`): each object is walked once, each member name compared with the names
/// read at its level only.
struct MemberTable: Sendable {
    /// Per object (the outer one first): each member name read, and the field (its index in
    /// `paths`) it holds or the object (its index here) it opens.
    private let objects: [[(name: [UInt8], field: Int?, object: Int?)]]

    init(_ paths: [String]) {
        var objects: [[(name: [UInt8], field: Int?, object: Int?)]] = [[]], index = ["": 0]
        for (f, field) in paths.enumerated() {
            var parent = ""
            for part in field.split(separator: ".").map(String.init) {
                let path = parent.isEmpty ? part : parent + "." + part
                if path == field {
                    objects[index[parent]!].append((Array(part.utf8), f, nil))
                } else if index[path] == nil {
                    index[path] = objects.count
                    objects[index[parent]!].append((Array(part.utf8), nil, objects.count))
                    objects.append([])
                }
                parent = path
            }
        }
        self.objects = objects
    }

    /// Calls `found` with each field's index and its value, for every member that holds one.
    func read(_ s: JSONScanner, object: Int, level: Int = 0, _ found: (_ field: Int, _ value: Int) -> Void) {
        s.forEachMember(ofObjectAt: object) { key, value in
            guard let member = objects[level].first(where: { s.stringEquals(at: key, $0.name) }) else { return true }
            if let field = member.field {
                found(field, value)
            } else if let inner = member.object, s.kind(at: value) == .object {
                read(s, object: value, level: inner, found)
            }
            return true
        }
    }
}
