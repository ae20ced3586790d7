"""Records and describe results as the JSON the REST API returns."""

from . import fieldtypes

_ADDRESS_PARTS = (("city", "City"), ("country", "Country"),
                  ("geocodeAccuracy", "GeocodeAccuracy"),
                  ("latitude", "Latitude"), ("longitude", "Longitude"),
                  ("postalCode", "PostalCode"), ("state", "State"),
                  ("street", "Street"))


def record_url(version, obj, rid):
    return "/services/data/v%s/sobjects/%s/%s" % (version, obj, rid)


def compound_value(d, f, rec):
    """Value of an address compound field, built from its components."""
    prefix = f["name"][:-len("Address")]
    out = {}
    for key, suffix in _ADDRESS_PARTS:
        out[key] = rec.get(prefix + suffix)
    if all(v is None for v in out.values()):
        return None
    return out


def record_json(d, rec, fields, version):
    """One record: attributes first, then the fields in the given order."""
    out = {"attributes": {"type": d.name,
                          "url": record_url(version, d.name, rec["Id"])}}
    for f in fields:
        t = f["type"]
        if t in ("address", "location"):
            out[f["name"]] = compound_value(d, f, rec)
        else:
            out[f["name"]] = fieldtypes.to_json(t, rec.get(f["name"]))
    return out


_GLOBAL_KEYS = ("name", "label", "custom", "keyPrefix", "labelPlural",
                "layoutable", "activateable", "updateable", "urls",
                "searchable", "createable", "customSetting", "deletable",
                "deprecatedAndHidden", "feedEnabled", "mergeable", "queryable",
                "replicateable", "retrieveable", "undeletable", "triggerable")


def _flags(d, version, base_url):
    urls = {"sobject": "/services/data/v%s/sobjects/%s" % (version, d.name),
            "describe": "/services/data/v%s/sobjects/%s/describe" % (version, d.name),
            "rowTemplate": "/services/data/v%s/sobjects/%s/{ID}" % (version, d.name)}
    w = d.writable
    return {
        "name": d.name, "label": d.label, "custom": d.custom,
        "keyPrefix": d.key_prefix, "labelPlural": d.label_plural,
        "layoutable": True, "activateable": False, "updateable": w,
        "urls": urls, "searchable": True, "createable": w,
        "customSetting": False, "deletable": w, "deprecatedAndHidden": False,
        "feedEnabled": not d.custom, "mergeable": d.name in ("Account", "Contact"),
        "queryable": True, "replicateable": True, "retrieveable": True,
        "undeletable": w, "triggerable": True,
    }


def global_entry(d, version, base_url):
    f = _flags(d, version, base_url)
    return {k: f[k] for k in _GLOBAL_KEYS}


def describe_global(store, version, base_url):
    return {"encoding": "UTF-8", "maxBatchSize": 200,
            "sobjects": [global_entry(d, version, base_url)
                         for d in store.defs.values()]}


def child_relationships(store, d):
    from .store import CASCADE_DELETE
    out = []
    for cd in store.defs.values():
        for f in cd.fields:
            if f["type"] == "reference" and d.name in f["referenceTo"] \
                    and f["name"] not in ("CreatedById", "LastModifiedById",
                                          "OwnerId"):
                rel = None
                if f["relationshipName"]:
                    rel = cd.label_plural.replace(" ", "") if not cd.custom \
                        else cd.name[:-3] + "s__r"
                out.append({"cascadeDelete": (cd.name, f["name"]) in CASCADE_DELETE,
                            "childSObject": cd.name,
                            "deprecatedAndHidden": False, "field": f["name"],
                            "relationshipName": rel})
    return out


MASTER_RECORD_TYPE_ID = "012000000000000AAA"


def master_record_type(d, version):
    """The Master record type every object has, with the fields Salesforce sends."""
    return {"active": True, "available": True, "defaultRecordTypeMapping": True,
            "developerName": "Master", "master": True, "name": "Master",
            "recordTypeId": MASTER_RECORD_TYPE_ID,
            "urls": {"layout": "/services/data/v%s/sobjects/%s/describe/layouts/%s"
                               % (version, d.name, MASTER_RECORD_TYPE_ID)}}


def describe(store, d, version, base_url):
    f = _flags(d, version, base_url)
    urls = dict(f["urls"])
    urls.update({
        "uiEditTemplate": "%s/{ID}/e" % base_url,
        "uiDetailTemplate": "%s/{ID}" % base_url,
        "uiNewRecord": "%s/%s/e" % (base_url, d.key_prefix),
    })
    return {
        "name": d.name,
        "fields": d.fields,
        "label": d.label, "custom": d.custom, "keyPrefix": d.key_prefix,
        "labelPlural": d.label_plural, "layoutable": True,
        "activateable": False, "updateable": f["updateable"], "urls": urls,
        "searchable": True,
        "childRelationships": child_relationships(store, d),
        "createable": f["createable"], "customSetting": False,
        "deletable": f["deletable"], "deprecatedAndHidden": False,
        "feedEnabled": f["feedEnabled"], "listviewable": None,
        "lookupLayoutable": None, "mergeable": f["mergeable"],
        "queryable": True,
        "recordTypeInfos": [master_record_type(d, version)],
        "replicateable": True, "retrieveable": True, "searchLayoutable": None,
        "undeletable": f["undeletable"], "triggerable": True,
    }
