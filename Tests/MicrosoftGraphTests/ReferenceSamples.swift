// Payloads from the Graph reference (/work/shared/reference/graph/samples), verbatim, to compare the emulator with.

/// The reference samples by file name (without `.json`).
enum ReferenceSamples {
    static let all: [String: String] = [
        "users-list-default": #"""
{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
  "value": [
    {
      "businessPhones": [],
      "displayName": "Conf Room Adams",
      "givenName": null,
      "jobTitle": null,
      "mail": "Adams@contoso.com",
      "mobilePhone": null,
      "officeLocation": null,
      "preferredLanguage": null,
      "surname": null,
      "userPrincipalName": "Adams@contoso.com",
      "id": "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0"
    },
    {
      "businessPhones": [
        "425-555-0100"
      ],
      "displayName": "MOD Administrator",
      "givenName": "MOD",
      "jobTitle": null,
      "mail": null,
      "mobilePhone": "425-555-0101",
      "officeLocation": null,
      "preferredLanguage": "en-US",
      "surname": "Administrator",
      "userPrincipalName": "admin@contoso.com",
      "id": "4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"
    }
  ]
}
"""#,
        "users-list-select-assignedLicenses": #"""
{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,mail,assignedLicenses)",
  "value": [
    {
      "id": "cb4954e8-467f-4a6d-a8c8-28b9034fadbc",
      "mail": "admin@contoso.com",
      "assignedLicenses": [
        {
          "disabledPlans": [],
          "skuId": "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"
        }
      ]
    },
    {
      "id": "81a133c2-bdf2-4e67-8755-7264366b04ee",
      "mail": "DebraB@contoso.com",
      "assignedLicenses": [
        {
          "disabledPlans": [],
          "skuId": "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"
        }
      ]
    }
  ]
}
"""#,
        "users-delta-01-initial-page": #"""
{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(displayName,givenName,surname)",
  "@odata.nextLink": "https://graph.microsoft.com/v1.0/users/delta?$skiptoken=oEBwdSP6uehIAxQOWq_3Ksh_TLol6KIm3stvdc6hGhZRi1hQ7Spe__dpvm3U4zReE4CYXC2zOtaKdi7KHlUtC2CbRiBIUwOxPKLa",
  "value": [
    {
      "displayName": "Cameron White",
      "givenName": "Cameron",
      "surname": "White",
      "id": "ffff7b1a-13b6-477b-8c0c-380905cd99f7"
    },
    {
      "displayName": "Delia Dennis",
      "givenName": "Delia",
      "surname": "Dennis",
      "id": "605d1257-ffff-40b6-8e6f-528a53f5dc55"
    },
    {
      "id": "86462606-fde0-4fc4-9e0c-a20eb73e54c6",
      "@removed": {
        "reason": "deleted"
      }
    },
    {
      "displayName": "Conf Room Adams",
      "id": "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0"
    }
  ]
}
"""#,
        "users-delta-03-final-page-deltalink": #"""
{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
  "@odata.deltaLink": "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=oEcOySpF_hWYmTIUZBOIfPzcwisr_rPe8o9M54L45qEXQGmvQC6T2dbL-9O7nSU-njKhFiGlAZqewNAThmCVnNxqPu5gOBegrm1CaVZ-ZtFZ2tPOAO98OD9y0ao460",
  "value": [
    {
      "displayName": "Lidia Holloway",
      "givenName": "Lidia",
      "surname": "Holloway",
      "id": "25dcffff-959e-4ece-9973-e5d9b800e8cc"
    },
    {
      "displayName": "Patti Fernandez",
      "givenName": "Patti",
      "surname": "Fernandez",
      "id": "f6ede700-27d0-4c42-bfb9-4dffff43c74a"
    }
  ]
}
"""#,
        "users-delta-04-deltalink-no-changes": #"""
{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
  "@odata.deltaLink": "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=MF1LuFYbK6Lw4DtZ4o9PDrcGekRP65WEJfDmM0H26l4v9zILCPFiPwSAAeRBghxgiwsXEfywcVQ9R8VEWuYAB50Yw3KvJ-8Z1zamVotGX2b_AHVS_Z-3b0NAtmGpod",
  "value": []
}
"""#,
        "users-delta-05-deltalink-changes-removed": #"""
{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
  "@odata.deltaLink": "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=MF1LuFYbK6Lw4DtZ4o9PDrcGekRP65WEJfDmM0H26l4v9zILCPFiPwSAAeRBghxgiwsXEfywcVQ9R8VEWuYAB50Yw3KvJ-8Z1zamVotGX2b_AHVS_Z-3b0NAtmGpod",
  "value": [
    {
      "displayName": "MOD Administrator",
      "givenName": "MOD",
      "surname": "Administrator",
      "id": "25dcffff-959e-4ece-9973-e5d9b800e8cc"
    },
    {
      "id": "8ffff70c-1c63-4860-b963-e34ec660931d",
      "@removed": {
        "reason": "changed"
      }
    }
  ]
}
"""#,
        "users-delta-minimal": #"""
{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
  "@odata.nextLink": "https://graph.microsoft.com/v1.0/users/delta?$skiptoken=pqwSUjGYvb3jQpbwVAwEL7yuI3dU1LecfkkfLPtnIjsXoYQp_dpA3cNJWc",
  "value": [
    {
      "displayName": "Vance Adele",
      "jobTitle": "Product Marketing Manager"
    }
  ]
}
"""#,
        "subscribedSkus": #"""
{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscribedSkus",
  "value": [
    {
      "accountName": "Sample account One",
      "accountId": "f97aeefc-af85-414d-8ae4-b457f90efc40",
      "appliesTo": "User",
      "capabilityStatus": "Enabled",
      "consumedUnits": 14,
      "id": "48a80680-7326-48cd-9935-b556b81d3a4e_c7df2760-2c81-4ef7-b578-5b5392b571df",
      "prepaidUnits": {
        "enabled": 25,
        "lockedOut": 0,
        "suspended": 0,
        "warning": 0
      },
      "servicePlans": [
        {
          "servicePlanId": "8c098270-9dd4-4350-9b30-ba4703f3b36b",
          "servicePlanName": "ADALLOM_S_O365",
          "provisioningStatus": "Success",
          "appliesTo": "Company"
        }
      ],
      "skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df",
      "skuPartNumber": "ENTERPRISEPREMIUM",
      "subscriptionIds": [
        "43d26afe-cb98-48b9-acc4-ae3ef2ac6c51"
      ]
    },
    {
      "accountName": "Sample account Two",
      "accountId": "ee045480-0260-4c1e-b946-55842502229c",
      "appliesTo": "User",
      "capabilityStatus": "Suspended",
      "consumedUnits": 14,
      "id": "48a80680-7326-48cd-9935-b556b81d3a4e_d17b27af-3f49-4822-99f9-56a661538792",
      "prepaidUnits": {
        "enabled": 0,
        "lockedOut": 0,
        "suspended": 25,
        "warning": 0
      },
      "servicePlans": [
        {
          "servicePlanId": "f9646fb2-e3b2-4309-95de-dc4833737456",
          "servicePlanName": "CRMSTANDARD",
          "provisioningStatus": "Disabled",
          "appliesTo": "User"
        }
      ],
      "skuId": "d17b27af-3f49-4822-99f9-56a661538792",
      "skuPartNumber": "CRMSTANDARD",
      "subscriptionIds": [
        "15c301e0-c769-4f12-bab1-1e8519a7a6f1"
      ]
    }
  ]
}
"""#,
        "user-transitiveMemberOf": #"""
{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
  "value": [
    {
      "@odata.type": "#microsoft.graph.group",
      "displayName": "All_Contoso_Licensing",
      "mailEnabled": true,
      "mailNickname": "ContosoMailNickName",
      "securityEnabled": true
    }
  ]
}
"""#,
        "group-transitiveMembers": #"""
{
  "value": [
    {
      "@odata.type": "#microsoft.graph.user",
      "id": "11111111-2222-3333-4444-555555555555",
      "mail": "group1@contoso.com"
    }
  ]
}
"""#,
        "token-response": #"""
{
  "token_type": "Bearer",
  "expires_in": 3599,
  "ext_expires_in": 3599,
  "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsIng1dCI6Ik1uQ19WWmNBVGZNNXBP..."
}
"""#,
        "token-error-invalid_scope": #"""
{
  "error": "invalid_scope",
  "error_description": "AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope https://foo.microsoft.com/.default is not valid.\r\nTrace ID: 255d1aef-8c98-452f-ac51-23d051240864\r\nCorrelation ID: fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7\r\nTimestamp: 2016-01-09 02:02:12Z",
  "error_codes": [
    70011
  ],
  "timestamp": "2016-01-09 02:02:12Z",
  "trace_id": "255d1aef-8c98-452f-ac51-23d051240864",
  "correlation_id": "fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7"
}
"""#,
        "error-429-throttled": #"""
{
  "error": {
    "code": "TooManyRequests",
    "innerError": {
      "code": "429",
      "date": "2020-08-18T12:51:51",
      "message": "Please retry after",
      "request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2",
      "status": "429"
    },
    "message": "Please retry again later."
  }
}
"""#,
        "error-501-not-implemented": #"""
{
  "error": {
    "code": "NotImplemented",
    "message": "This operation target is not yet supported.",
    "innerError": {
      "request-id": "...",
      "date": "2019-09-20T21:47:50"
    }
  }
}
"""#,
        "error-400-advanced-query-missing": #"""
{
  "error": {
    "code": "Request_UnsupportedQuery",
    "message": "Operator 'endsWith' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
    "innerError": {
      "date": "2023-07-14T08:43:39",
      "request-id": "b3731da7-5c46-4c37-a8e5-b190124d2531",
      "client-request-id": "a1556ddf-4794-929d-0105-b753a78b4c68"
    }
  }
}
"""#,
    ]

    /// `groups-delta-members-changes.json`: a groups delta page with `members@delta` (one member added, one removed).
    static let groupsDeltaMembersChanges: String? = #"""
{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups",
  "@odata.deltaLink": "https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=sZwAFZibx-LQOdZIo1hHhmmDhHzCY0Hs6snoIHJCSIfCHdqKdWNZ2VX3kErpyna9GygROwBk-rqWWMFxJC3pw",
  "value": [
    {
      "displayName": "TestGroup3",
      "description": "A test group for change tracking",
      "id": "2e5807ce-58f3-4a94-9b37-ffff2e085957",
      "members@delta": [
        {
          "@odata.type": "#microsoft.graph.user",
          "id": "632f6bb2-3ec8-4c1f-9073-0027a8c6859",
          "@removed": {
            "reason": "deleted"
          }
        },
        {
          "@odata.type": "#microsoft.graph.user",
          "id": "37de1ae3-408f-4702-8636-20824abda004"
        }
      ]
    }
  ]
}
"""#
}
