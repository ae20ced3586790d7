"""Version list, resource directory, describeGlobal, describe."""

from emutestlib import Client, fixture

REQUIRED_FIELD_KEYS = {
    "name", "label", "type", "length", "precision", "scale", "digits",
    "nillable", "createable", "updateable", "defaultedOnCreate", "calculated",
    "externalId", "unique", "idLookup", "picklistValues", "restrictedPicklist",
    "referenceTo", "relationshipName", "compoundFieldName"}


def test_version_list_needs_no_auth_and_has_no_limit_header(emulator):
    r = Client(emulator.url).get("/services/data/", auth=False)
    assert r.status == 200
    assert "Sforce-Limit-Info" not in r.headers
    versions = r.json()
    real = fixture("services_data_success_response.json")
    assert all(set(v) == set(real[0]) for v in versions)
    by_version = {v["version"]: v for v in versions}
    assert by_version["60.0"] == {"label": "Spring '24", "url": "/services/data/v60.0",
                                  "version": "60.0"}
    assert by_version["20.0"]["label"] == real[0]["label"] == "Winter '11"


def test_unknown_api_version_answers_404(client):
    r = client.get("/services/data/v99.0/sobjects")
    assert (r.status, r.json()[0]["errorCode"]) == (404, "NOT_FOUND")


def test_resource_directory_lists_sobjects_and_query(client):
    r = client.get(client.api + "/")
    assert r.status == 200
    d = r.json()
    assert d["sobjects"] == "/services/data/v60.0/sobjects"
    assert d["query"] == "/services/data/v60.0/query"
    assert d["queryAll"] == "/services/data/v60.0/queryAll"
    assert d["composite"] == "/services/data/v60.0/composite"


def test_describe_global_matches_fixture_shape(client):
    r = client.get("sobjects")
    body = r.json()
    real = fixture("sobject__describe_sobjects_success_response.json")
    assert body["encoding"] == real["encoding"] and body["maxBatchSize"] == 200
    entry_keys = list(real["sobjects"][0])
    names = {}
    for s in body["sobjects"]:
        assert list(s) == entry_keys
        names[s["name"]] = s
    assert names["Account"]["keyPrefix"] == "001"
    assert names["Contact"]["keyPrefix"] == "003"
    assert names["Customer_Record__c"]["keyPrefix"] == "a01"
    assert names["Customer_Record__c"]["custom"] is True
    assert names["Account"]["urls"] == {
        "sobject": "/services/data/v60.0/sobjects/Account",
        "describe": "/services/data/v60.0/sobjects/Account/describe",
        "rowTemplate": "/services/data/v60.0/sobjects/Account/{ID}"}


def test_describe_has_field_properties_and_fixture_keys(client):
    real = fixture("sobject__sobject_describe_success_response.json")
    for obj in ("Account", "Contact", "Customer_Record__c"):
        d = client.get("sobjects/%s/describe" % obj).json()
        assert set(real) <= set(d), set(real) - set(d)
        for f in d["fields"]:
            assert set(real["fields"][0]) <= set(f), f["name"]
            assert REQUIRED_FIELD_KEYS <= set(f)
    acc = {f["name"]: f for f in client.get("sobjects/Account/describe").json()["fields"]}
    assert acc["Id"]["type"] == "id" and acc["Id"]["length"] == 18
    assert acc["Name"]["nillable"] is False and acc["Name"]["defaultedOnCreate"] is False
    assert acc["Rating"]["restrictedPicklist"] is True
    assert {p["value"] for p in acc["Rating"]["picklistValues"]} == {"Hot", "Warm", "Cold"}
    assert set(acc["Rating"]["picklistValues"][0]) >= {"value", "label", "active",
                                                        "defaultValue"}
    assert acc["Industry"]["restrictedPicklist"] is False
    assert acc["AnnualRevenue"]["type"] == "currency"
    assert acc["NumberOfEmployees"]["type"] == "int"
    assert acc["Description"]["type"] == "textarea" and acc["Description"]["length"] == 32000
    assert acc["BillingCity"]["compoundFieldName"] == "BillingAddress"
    assert acc["BillingAddress"]["type"] == "address"
    assert acc["External_ID__c"]["externalId"] and acc["External_ID__c"]["unique"]
    assert acc["External_ID__c"]["length"] == 36
    assert acc["OwnerId"]["referenceTo"] == ["Group", "User"]
    assert acc["SystemModstamp"]["createable"] is False
    con = {f["name"]: f for f in client.get("sobjects/Contact/describe").json()["fields"]}
    assert con["LastName"]["nillable"] is False
    assert con["AccountId"]["referenceTo"] == ["Account"]
    assert con["AccountId"]["relationshipName"] == "Account"
    assert con["Email"]["type"] == "email" and con["Birthdate"]["type"] == "date"
    cr = {f["name"]: f for f in
          client.get("sobjects/customer_record__c/describe").json()["fields"]}
    assert cr["Status__c"]["restrictedPicklist"] is True
    assert cr["Tags__c"]["type"] == "multipicklist"
    assert cr["Visits__c"]["type"] == "double" and cr["Visits__c"]["scale"] == 0
    assert cr["Amount__c"]["scale"] == 2
    assert cr["Last_Contact__c"]["type"] == "datetime"
    assert cr["Notes__c"]["length"] > 32000
    assert cr["Account__c"]["relationshipName"] == "Account__r"


def test_describe_lists_child_relationships(client):
    d = client.get("sobjects/Account/describe").json()
    rels = {(r["childSObject"], r["field"]): r for r in d["childRelationships"]}
    assert rels[("Contact", "AccountId")]["cascadeDelete"] is True
    assert rels[("Customer_Record__c", "Account__c")]["cascadeDelete"] is False


def test_describe_unknown_object_answers_404_not_found(client):
    r = client.get("sobjects/Whatever__c/describe")
    assert r.status == 404
    assert r.json() == fixture("sobject__sobject_describe_error_response.json")


def test_unknown_resource_and_wrong_method(client):
    r = client.get("nothing/here")
    assert (r.status, r.json()[0]["errorCode"]) == (404, "NOT_FOUND")
    r = client.request("PUT", "sobjects/Account/describe", {})
    assert (r.status, r.json()[0]["errorCode"]) == (405, "METHOD_NOT_ALLOWED")
