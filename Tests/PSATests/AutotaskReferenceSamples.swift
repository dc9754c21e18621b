// The PSA reference's Autotask samples (reference/psa/samples/autotask), copied verbatim for the emulator's shape tests.

/// Sample bodies, one JSON text each, from the reference folder (file named in each comment).
enum AutotaskReferenceSamples {
    /// `zoneInformation_response.json` → `body`.
    static let zoneInformation = #"""
{"zoneName":"America East","url":"https://webservices3.autotask.net/atservicesrest/","webUrl":"https://ww3.autotask.net/","ci":12345}
"""#

    /// `versionInformation_response.json` → `body`.
    static let versionInformation = #"""
{"apiVersions":["1.0"]}
"""#

    /// `contacts_query_post_request.json` → `body`.
    static let queryPostRequest = #"""
{"MaxRecords":500,"IncludeFields":["id","companyID","firstName","lastName","emailAddress","isActive","externalID"],"filter":[{"op":"eq","field":"companyID","value":29683616},{"op":"or","items":[{"op":"eq","field":"emailAddress","value":"jane.doe@contoso.com"},{"op":"eq","field":"emailAddress2","value":"jane.doe@contoso.com"},{"op":"eq","field":"emailAddress3","value":"jane.doe@contoso.com"}]}]}
"""#

    /// `contacts_query_response.json` → `body`.
    static let queryResponse = #"""
{"items":[{"id":30684047,"additionalAddressInformation":"","addressLine":"1 Main St","addressLine1":"","alternatePhone":"","apiVendorID":null,"bulkEmailOptOutTime":null,"city":"Tampa","companyID":29683616,"companyLocationID":null,"countryID":237,"createDate":"2024-03-01T14:22:10.583Z","emailAddress":"jane.doe@contoso.com","emailAddress2":null,"emailAddress3":null,"extension":"","externalID":"8b0e6f4c-1f7e-4a65-9c3a-2d9a3f5e1c11","facebookUrl":"","faxNumber":"","firstName":"Jane","impersonatorCreatorResourceID":null,"isActive":1,"isOptedOutFromBulkEmail":false,"lastActivityDate":"2024-03-01T14:22:10.583Z","lastModifiedDate":"2024-03-01T14:22:10.583Z","lastName":"Doe","linkedInUrl":"","middleInitial":"","mobilePhone":"+1 813 555 0100","namePrefix":null,"nameSuffix":null,"note":"","receivesEmailNotifications":true,"phone":"+1 813 555 0199","primaryContact":false,"roomNumber":"","solicitationOptOut":false,"solicitationOptOutTime":null,"state":"FL","surveyOptOut":false,"title":"Accountant","twitterUrl":"","zipCode":"33602","userDefinedFields":[]}],"pageDetails":{"count":1,"requestCount":500,"prevPageUrl":null,"nextPageUrl":null}}
"""#

    /// `contact_get_by_id_response.json` → `body`.
    static let getByIdResponse = #"""
{"item":{"id":30684047,"additionalAddressInformation":"","addressLine":"1 Main St","addressLine1":"","alternatePhone":"","apiVendorID":null,"bulkEmailOptOutTime":null,"city":"Tampa","companyID":29683616,"companyLocationID":null,"countryID":237,"createDate":"2024-03-01T14:22:10.583Z","emailAddress":"jane.doe@contoso.com","emailAddress2":null,"emailAddress3":null,"extension":"","externalID":"8b0e6f4c-1f7e-4a65-9c3a-2d9a3f5e1c11","facebookUrl":"","faxNumber":"","firstName":"Jane","impersonatorCreatorResourceID":null,"isActive":1,"isOptedOutFromBulkEmail":false,"lastActivityDate":"2024-03-01T14:22:10.583Z","lastModifiedDate":"2024-03-01T14:22:10.583Z","lastName":"Doe","linkedInUrl":"","middleInitial":"","mobilePhone":"+1 813 555 0100","namePrefix":null,"nameSuffix":null,"note":"","receivesEmailNotifications":true,"phone":"+1 813 555 0199","primaryContact":false,"roomNumber":"","solicitationOptOut":false,"solicitationOptOutTime":null,"state":"FL","surveyOptOut":false,"title":"Accountant","twitterUrl":"","zipCode":"33602","userDefinedFields":[]}}
"""#

    /// `contact_create_request_and_response.json` → `request`.
    static let createRequest = #"""
{"method":"POST","path":"/ATServicesRest/V1.0/Companies/29683616/Contacts","body":{"companyID":29683616,"firstName":"Jane","lastName":"Doe","isActive":1,"emailAddress":"jane.doe@contoso.com","title":"Accountant","phone":"+1 813 555 0199","mobilePhone":"+1 813 555 0100","externalID":"8b0e6f4c-1f7e-4a65-9c3a-2d9a3f5e1c11","companyLocationID":null}}
"""#

    /// `contact_create_request_and_response.json` → `response`.
    static let createResponse = #"""
{"status":200,"body":{"itemId":30684047}}
"""#

    /// `contact_update_patch_request_and_response.json` → `request`.
    static let updateRequest = #"""
{"method":"PATCH","path":"/ATServicesRest/V1.0/Companies/29683616/Contacts","body":{"id":30684047,"title":"Senior Accountant","isActive":0}}
"""#

    /// `contact_update_patch_request_and_response.json` → `response`.
    static let updateResponse = #"""
{"status":200,"body":{"itemId":30684047}}
"""#

    /// `threshold_information_response.json` → `body`.
    static let thresholdResponse = #"""
{"externalRequestThreshold":10000,"requestThresholdTimeframe":60,"currentTimeframeRequestCount":124}
"""#

    /// `query_count_response.json` → `body`.
    static let queryCountResponse = #"""
{"queryCount":7}
"""#

    /// `companyLocations_query_response.json` → `body`.
    static let locationsResponse = #"""
{"items":[{"id":29684001,"address1":"1 Main St","address2":"","alternatePhone1":"","alternatePhone2":"","city":"Tampa","companyID":29683616,"countryID":237,"description":"","fax":"","isActive":true,"isPrimary":true,"isTaxExempt":false,"overrideAccountTaxSettings":false,"name":"Headquarters","phone":"8135551212","postalCode":"33602","roundtripDistance":0.0,"state":"FL","taxRegionID":null,"userDefinedFields":[]}],"pageDetails":{"count":1,"requestCount":500,"prevPageUrl":null,"nextPageUrl":null}}
"""#

    /// `entityInformation_fields_response_excerpt.json` → `body`.
    static let fieldsResponse = #"""
{"fields":[{"name":"ActionType","dataType":"integer","length":0,"isRequired":true,"isReadOnly":false,"isQueryable":true,"isReference":false,"referenceEntityType":"","isPickList":true,"picklistValues":[{"value":"0","label":"Opportunity Update","isDefaultValue":false,"sortOrder":0,"parentValue":"","isActive":true,"isSystem":true}],"picklistParentValueField":"","isSupportedWebhookField":false},{"name":"ActivityDescription","dataType":"string","length":32000,"isRequired":false,"isReadOnly":false,"isQueryable":true,"isReference":false,"referenceEntityType":"","isPickList":false,"picklistValues":null,"picklistParentValueField":"","isSupportedWebhookField":false}]}
"""#

    /// `error_responses.json` → `examples`.
    static let errors = #"""
[{"status":500,"body":{"errors":["Unexpected character encountered while parsing value: t"]},"cause":"isActive sent as JSON boolean true instead of integer 1 (CHANGELOG: '500 \"Unexpected character encountered while parsing value: t\"')"},{"status":500,"body":{"errors":["Reference value on field: contactID of type: Contact does not exist or is invalid."]},"cause":"reference to an inactive contact (newer format); status UNCERTAIN"},{"status":500,"body":{"errors":["contactID: Value 12345 does not exist or is invalid"]},"cause":"older format of the same; status UNCERTAIN"},{"status":500,"body":{"errors":["Unable to find <field> in the Entity"]},"cause":"query on a field the entity does not have (CHANGELOG: 'causing Autotask to return a 500 error')"},{"status":"429 or other","body":{"errors":["Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads has been exceeded."]},"cause":"4th concurrent request per tracking identifier+endpoint; code Itgenatr005; 'may arrive with a non-429 HTTP status' (retryHandler.ts). Exact body wording UNCERTAIN (quoted from PR #107 text)"},{"status":405,"body":null,"cause":"PATCH/PUT on Companies/{id}/Contacts/{contactId} or Contacts/{id}"},{"status":404,"body":null,"cause":"GET Contacts/{id} for unknown id; POST/PATCH on root /Contacts (KelvinTegelaar/AutotaskAPI issue #27)"},{"status":401,"body":null,"cause":"bad credentials / missing headers (swagger lists 401, 403)"}]
"""#

    /// `contacts_query_get_request.json` → `raw` (the GET form's URL, after `{zone.url}`).
    static let queryGetRaw = #"GET {zone.url}V1.0/Contacts/query?search=%7B%22filter%22%3A%5B%7B%22op%22%3A%22eq%22%2C%22field%22%3A%22emailAddress%22%2C%22value%22%3A%22jane.doe%40contoso.com%22%7D%5D%7D"#
}
