// Values from Microsoft 365 that a PSA must never receive as they are.

import ContactSync
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
}
