// Autotask answers every create and update with `{"itemId":N}`; the short reader must agree with JSONDecoder or step aside.

@testable import Autotask
import Foundation
import Testing

@Suite("Autotask itemId answers")
struct AutotaskItemIdTests {
    @Test("the usual answers are read as JSONDecoder reads them; anything else is left to JSONDecoder")
    func plainAnswers() throws {
        let read: [(String, Int)] = [
            (#"{"itemId":29684207}"#, 29_684_207), (#"{ "itemId" : 7 }"#, 7), ("{\"itemId\":0}\n", 0), (#"{"itemId":-3}"#, -3),
            (" \r\n{\"itemId\":\t42}\t", 42),
        ]
        for (body, id) in read {
            #expect(ATItemId.plain(Data(body.utf8)) == id, "\(body)")
            #expect(try JSONDecoder().decode(ATItemId.self, from: Data(body.utf8)).itemId == id)
        }
        let leftAlone = [
            "", "{}", "null", #"{"itemId":"5"}"#, #"{"itemId":5,"extra":1}"#, #"{"extra":1,"itemId":5}"#, #"{"itemId":5.0}"#,
            #"{"itemId":1e3}"#, #"{"itemId":05}"#, #"{"itemId":5}x"#, #"{"itemId":12345678901234567890}"#, #"{"itemID":5}"#,
            #"{"itemId":}"#, #"{"itemId":5"#,
        ]
        for body in leftAlone {
            #expect(ATItemId.plain(Data(body.utf8)) == nil, "\(body)")
        }
    }
}
