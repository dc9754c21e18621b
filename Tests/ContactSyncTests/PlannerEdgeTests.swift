// Values from Microsoft 365 that a PSA must never receive as they are.

@testable import ContactSync
import Testing

@Suite("Values written to the PSA")
struct PlannerEdgeTests {
    @Test("R6.1 control characters in Microsoft 365 values are never written; a value of only controls is blank (R6.3)")
    func controlCharacters() {
        let user = DirectoryUser(
            id: "u1", userPrincipalName: "ada@contoso.com", givenName: "A\u{0}d\u{7}a\u{1B}", surname: "\u{0}\u{1B}",
            jobTitle: "Chief\nEngineer")
        #expect(Planner.microsoftValue(.firstName, of: user, useEmail: false) == "Ada")
        #expect(Planner.microsoftValue(.lastName, of: user, useEmail: false) == nil)
        #expect(Planner.microsoftValue(.title, of: user, useEmail: false) == "Chief Engineer")
    }

    @Test("control characters are found by code point exactly as Unicode's general category Cc finds them")
    func controlByCodePoint() {
        for value in UInt32(0)...0x3_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect(Planner.isControl(scalar) == (scalar.properties.generalCategory == .control), "U+\(String(value, radix: 16))")
        }
        // C1 controls (two UTF-8 bytes, 0xC2 0x80–0x9F) are stripped like C0 ones; other 0xC2 characters stay.
        let user = DirectoryUser(id: "u1", userPrincipalName: "a@b.c", givenName: "A\u{85}d\u{9F}a £1\u{A0}2")
        #expect(Planner.microsoftValue(.firstName, of: user, useEmail: false) == "Ada £1\u{A0}2")
    }
}
