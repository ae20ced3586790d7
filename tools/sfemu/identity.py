"""GET /id/<org id>/<user id>: the identity URL, with the standard fields Salesforce
answers (help.salesforce.com "Identity URLs"; developer.salesforce.com "Using Identity
URLs"). `?version=60.0` (or `latest`) fills the API URLs' {version}; without it they
carry the literal "{version}", as on Salesforce.
"""

from . import fieldtypes, org

LATEST = "60.0"

_URLS = (
    ("enterprise", "/services/Soap/c/{version}/%(org15)s"),
    ("metadata", "/services/Soap/m/{version}/%(org15)s"),
    ("partner", "/services/Soap/u/{version}/%(org15)s"),
    ("rest", "/services/data/v{version}/"),
    ("sobjects", "/services/data/v{version}/sobjects/"),
    ("search", "/services/data/v{version}/search/"),
    ("query", "/services/data/v{version}/query/"),
    ("recent", "/services/data/v{version}/recent/"),
    ("tooling_soap", "/services/Soap/T/{version}/%(org15)s"),
    ("tooling_rest", "/services/data/v{version}/tooling/"),
    ("profile", "/%(user)s"),
    ("feeds", "/services/data/v{version}/chatter/feeds"),
    ("groups", "/services/data/v{version}/chatter/groups"),
    ("users", "/services/data/v{version}/chatter/users"),
    ("feed_items", "/services/data/v{version}/chatter/feed-items"),
    ("feed_elements", "/services/data/v{version}/chatter/feed-elements"),
)


def identity(req, user_id):
    u = next(x for x in org.users() if x["Id"] == user_id)
    base = req.base_url
    version = req.param("version")
    if version == "latest":
        version = LATEST
    urls = {}
    for key, path in _URLS:
        url = base + path % {"org15": org.ORG_ID[:15], "user": user_id}
        urls[key] = url.replace("{version}", version) if version else url
    urls["custom_domain"] = base
    return {
        "id": "%s/id/%s/%s" % (base, org.ORG_ID, user_id),
        "asserted_user": True, "user_id": user_id, "organization_id": org.ORG_ID,
        "username": u["Username"], "nick_name": u["Username"].split("@")[0],
        "display_name": u["Name"], "email": u["Email"], "email_verified": True,
        "first_name": u["FirstName"], "last_name": u["LastName"],
        "timezone": "GMT",
        "photos": {"picture": "%s/profilephoto/005/F" % base,
                   "thumbnail": "%s/profilephoto/005/T" % base},
        "addr_street": None, "addr_city": None, "addr_state": None,
        "addr_country": "US", "addr_zip": None,
        "mobile_phone": None, "mobile_phone_verified": False,
        "is_lightning_login_user": False,
        "status": {"created_date": None, "body": None},
        "urls": urls,
        "active": u["IsActive"], "user_type": "STANDARD", "language": "en_US",
        "locale": "en_US", "utcOffset": 0,
        "last_modified_date": fieldtypes.format_datetime(u["LastModifiedDate"]),
        "is_app_installed": True,
    }
