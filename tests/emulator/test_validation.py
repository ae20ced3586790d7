"""Validation from the describe, and the configurable validation rule."""

from emutestlib import enumeration, fixture


def _err(r, status=400):
    assert r.status == status, r
    body = r.json()
    assert isinstance(body, list) and len(body) == 1
    return body[0]


def test_required_field_missing(client):
    e = _err(client.post("sobjects/Contact", {"FirstName": "No last name"}))
    assert e == {"message": "Required fields are missing: [LastName]",
                 "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["LastName"]}
    rid = client.post("sobjects/Contact", {"LastName": "Has"}).json()["id"]
    e = _err(client.patch("sobjects/Contact/" + rid, {"LastName": None}))
    assert e["errorCode"] == "REQUIRED_FIELD_MISSING"
    e = _err(client.post("sobjects/Account", {"Name": ""}))
    assert e["fields"] == ["Name"]


def test_string_too_long(client):
    e = _err(client.post("sobjects/Account", {"Name": "x" * 256}))
    assert e["errorCode"] == "STRING_TOO_LONG" and e["fields"] == ["Name"]
    assert e["message"].startswith("Account Name: data value too large: xxx")
    assert e["message"].endswith("(max length=255)")
    # length counts characters, not bytes
    assert client.post("sobjects/Account", {"Name": "é" * 255}).status == 201


def test_restricted_picklist_rejects_unknown_value(client):
    e = _err(client.post("sobjects/Account", {"Name": "P", "Rating": "Lukewarm"}))
    assert e == {"message": "Account Rating: bad value for restricted picklist "
                            "field: Lukewarm",
                 "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                 "fields": ["Rating"]}
    # unrestricted picklists accept any value
    assert client.post("sobjects/Account", {"Name": "P", "Industry": "Space"}).status == 201


def test_type_errors_answer_json_parser_error(client):
    for field, value in (("AnnualRevenue", "lots"), ("NumberOfEmployees", 1.5),
                         ("AnnualRevenue", float("nan")),
                         ("Active__c", "maybe"), ("Active__c", 1)):
        e = _err(client.post("sobjects/Account", {"Name": "T", field: value}))
        assert e["errorCode"] == "JSON_PARSER_ERROR", (field, e)
    for field, value in (("Birthdate", "2023-02-30"), ("Birthdate", "01/02/2023")):
        e = _err(client.post("sobjects/Contact", {"LastName": "T", field: value}))
        assert e["errorCode"] == "JSON_PARSER_ERROR"
    e = _err(client.post("sobjects/Customer_Record__c", {"Last_Contact__c": "noon"}))
    assert e["errorCode"] == "JSON_PARSER_ERROR"
    e = _err(client.post("sobjects/Account", {"Name": {"nested": 1}}))
    assert e["errorCode"] == "JSON_PARSER_ERROR"
    r = client.request("POST", "sobjects/Account", raw=b"{not json",
                       headers={"Content-Type": "application/json"})
    assert _err(r)["errorCode"] == "JSON_PARSER_ERROR"
    # lenient coercions Salesforce applies
    assert client.post("sobjects/Account", {"Name": "T", "AnnualRevenue": "1000",
                                            "Active__c": "false"}).status == 201


def test_invalid_email_address(client):
    e = _err(client.post("sobjects/Contact", {"LastName": "E", "Email": "not an email"}))
    assert e == {"message": "Email: invalid email address: not an email",
                 "errorCode": "INVALID_EMAIL_ADDRESS", "fields": ["Email"]}


def test_non_writable_field_answers_invalid_field_for_insert_update(client):
    e = _err(client.post("sobjects/Account", {"Name": "N", "CreatedDate":
                                              "2020-01-01T00:00:00Z"}))
    assert e["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert e["fields"] == ["CreatedDate"]
    assert e["message"].startswith("Unable to create/update fields: CreatedDate.")
    rid = client.post("sobjects/Contact", {"LastName": "N"}).json()["id"]
    e = _err(client.patch("sobjects/Contact/" + rid, {"Name": "Full Name"}))
    assert e["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    e = _err(client.post("sobjects/Account", {"Name": "N", "Id": "0015g0000000001AAA"}))
    assert e["errorCode"] == "INVALID_FIELD"


def test_unknown_field_on_write_answers_invalid_field(client):
    r = client.post("sobjects/Account", {"Name": "N", "foo": 1})
    real = fixture("sobject__write_error_response.json")[0]
    e = _err(r)
    assert set(e) == set(real)
    assert e == {"message": "No such column 'foo' on sobject of type Account",
                 "errorCode": "INVALID_FIELD"}


def test_duplicate_external_id_answers_duplicate_value(client):
    first = client.post("sobjects/Account", {"Name": "D1", "External_ID__c": "dup-ext-1"})
    assert first.status == 201
    e = _err(client.post("sobjects/Account", {"Name": "D2", "External_ID__c": "DUP-EXT-1"}))
    assert e["errorCode"] == "DUPLICATE_VALUE"
    assert e["message"] == ("duplicate value found: External_ID__c duplicates value "
                            "on record with id: %s" % first.json()["id"][:15])
    # a deleted record frees its value
    client.delete("sobjects/Account/" + first.json()["id"])
    assert client.post("sobjects/Account", {"Name": "D3",
                                            "External_ID__c": "dup-ext-1"}).status == 201


def test_validation_rule_answers_field_custom_validation_exception(client):
    r = client.control("POST", "validation-rule", {
        "object": "Account", "field": "Industry", "value": "Tobacco",
        "message": "We do not sell to tobacco companies."})
    assert r.status == 200 and len(r.json()["rules"]) == 1
    e = _err(client.post("sobjects/Account", {"Name": "V", "Industry": "Tobacco"}))
    assert e == {"message": "We do not sell to tobacco companies.",
                 "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                 "fields": ["Industry"]}
    assert client.post("sobjects/Account", {"Name": "V", "Industry": "Energy"}).status == 201
    client.control("POST", "validation-rule", {
        "object": "Contact", "field": "Email", "regex": r"@competitor\.com$",
        "message": "No competitor emails"})
    e = _err(client.post("sobjects/Contact", {"LastName": "R",
                                              "Email": "x@competitor.com"}))
    assert e["errorCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    # the Contact rule replaced the Account rule
    assert client.post("sobjects/Account", {"Name": "V", "Industry": "Tobacco"}).status == 201
    client.control("DELETE", "validation-rule")
    assert client.post("sobjects/Contact", {"LastName": "R",
                                            "Email": "x@competitor.com"}).status == 201
    assert client.control("POST", "validation-rule", {"object": "Nope"}).status == 400


def test_reference_to_unknown_or_deleted_record_is_rejected(client):
    def err(acc):
        return _err(client.post("sobjects/Contact", {"LastName": "Ref", "AccountId": acc}))
    e = err("garbage")
    assert (e["errorCode"], e["fields"]) == ("MALFORMED_ID", ["AccountId"])
    assert e["message"] == "Account ID: id value of incorrect type: garbage"
    assert err("0035g0000000001AAA")["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert err("0015g00000ZZZZZAAA")["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"
    acc = client.post("sobjects/Account", {"Name": "Gone"}).json()["id"]
    client.delete("sobjects/Account/" + acc)
    assert err(acc)["errorCode"] == "ENTITY_IS_DELETED"
    e = _err(client.post("sobjects/Account", {"Name": "O", "OwnerId": "0015g0000000001AAA"}))
    assert e["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_number_outside_valid_range(client):
    e = _err(client.post("sobjects/Customer_Record__c", {"Amount__c": 1e15}))
    assert (e["errorCode"], e["fields"]) == ("NUMBER_OUTSIDE_VALID_RANGE", ["Amount__c"])
    e = _err(client.post("sobjects/Account", {"Name": "N", "NumberOfEmployees": 123456789}))
    assert e["errorCode"] == "NUMBER_OUTSIDE_VALID_RANGE"


def test_read_only_object_cannot_be_written(client):
    e = _err(client.post("sobjects/User", {"LastName": "U", "Username": "u@x.com",
                                           "Email": "u@x.com"}))
    assert e["errorCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    assert client.query("SELECT Id, Username FROM User").json()["totalSize"] >= 2


def test_every_error_code_is_a_real_salesforce_code():
    from sfemu.errors import CODES
    real = enumeration("jsforce_partner_wsdl_StatusCode_values.txt") | \
        enumeration("jsforce_partner_wsdl_ExceptionCode_values.txt")
    rest_only = {"NOT_FOUND", "JOB_NOT_COMPLETE", "INVALIDJOB", "INVALIDENTITY",
                 "INVALIDJOBSTATE", "API_ERROR", "METHOD_NOT_ALLOWED"}
    assert CODES - real <= rest_only, CODES - real - rest_only
