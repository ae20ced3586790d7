"""Object definitions (describe metadata) and the deterministic demo org.

Stable API used by the emulator and by other tools (e.g. loaders that put the
same demo data into PostgreSQL):

    objects()                -> list of object dicts with describe-style fields
    object_by_name(name)     -> one object dict (case-insensitive) or None
    demo_records(counts=None)-> {"Account": [...], "Contact": [...], "Customer_Record__c": [...]}
    users()                  -> the demo users (005 ids) used as owners
    to_18(id15)              -> 18-character case-safe id
    make_id(key_prefix, n)   -> deterministic 18-character id number n for a prefix
    ORG_ID                   -> the emulated organization id (00D...)
    DEMO_NOW                 -> the fixed instant the demo data is anchored to

Record values are plain Python values: str, int, float, bool, None,
datetime.datetime (naive, UTC) and datetime.date.  Compound fields (the
`address` type BillingAddress / MailingAddress) are not stored in records; the
emulator builds them from their component fields when they are queried.
"""

import copy
import datetime
import random
import zlib

# ---------------------------------------------------------------------------
# Ids
# ---------------------------------------------------------------------------

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_CHARS = frozenset(_B62)

# Two "pod" characters after the key prefix, as real ids carry instance info.
_POD = "5g"


def to_18(id15):
    """Return the 18-character case-safe form of a 15-character id.

    An 18-character id is returned unchanged.  Raises ValueError for other
    lengths or characters outside [0-9A-Za-z].
    """
    if not isinstance(id15, str):
        raise ValueError("id must be a string")
    if len(id15) == 18:
        if not all(c in _ID_CHARS for c in id15):
            raise ValueError("bad characters in id: %r" % id15)
        return id15
    if len(id15) != 15 or not all(c in _ID_CHARS for c in id15):
        raise ValueError("not a 15-character id: %r" % id15)
    out = [id15]
    for i in range(3):
        flags = 0
        for j in range(5):
            c = id15[i * 5 + j]
            if "A" <= c <= "Z":
                flags |= 1 << j
        out.append(_SUFFIX[flags])
    return "".join(out)


def normalize_id(value):
    """Canonical 18-char id for a 15- or 18-char id (fixing case damage).

    For an 18-character id the suffix tells which characters are upper case,
    so an id whose case was mangled (e.g. lower-cased) is restored.  Returns
    None when value is not a well-formed id.
    """
    if not isinstance(value, str) or len(value) not in (15, 18):
        return None
    if not all(c in _ID_CHARS for c in value):
        return None
    if len(value) == 15:
        return to_18(value)
    head = list(value[:15])
    for i in range(3):
        s = value[15 + i].upper()
        if s not in _SUFFIX:
            return None
        flags = _SUFFIX.index(s)
        for j in range(5):
            k = i * 5 + j
            c = head[k]
            if c.isalpha():
                head[k] = c.upper() if flags & (1 << j) else c.lower()
            elif flags & (1 << j):
                return None          # the suffix marks a digit as upper case
    fixed = "".join(head)
    full = to_18(fixed)
    if full[15:].upper() != value[15:].upper():
        return None
    return full


def make_id(key_prefix, n):
    """Deterministic 18-character id number `n` (>= 0) for a key prefix."""
    if len(key_prefix) != 3:
        raise ValueError("key prefix must have 3 characters")
    digits = []
    for _ in range(10):
        n, r = divmod(n, 62)
        digits.append(_B62[r])
    if n:
        raise ValueError("id sequence number too large")
    return to_18(key_prefix + _POD + "".join(reversed(digits)))


ORG_ID = make_id("00D", 1)

# ---------------------------------------------------------------------------
# Field metadata
# ---------------------------------------------------------------------------

_SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean",
    "string": "xsd:string", "picklist": "xsd:string",
    "multipicklist": "xsd:string", "combobox": "xsd:string",
    "textarea": "xsd:string", "phone": "xsd:string", "url": "xsd:string",
    "email": "xsd:string", "encryptedstring": "xsd:string",
    "currency": "xsd:double", "double": "xsd:double", "percent": "xsd:double",
    "int": "xsd:int", "long": "xsd:long", "date": "xsd:date",
    "datetime": "xsd:dateTime", "time": "xsd:time",
    "base64": "xsd:base64Binary", "address": "urn:address",
    "location": "urn:location",
}

_TEXT_TYPES = ("string", "picklist", "combobox", "textarea", "phone", "url",
               "email", "encryptedstring")


def _field(name, ftype, label=None, length=0, precision=0, scale=0, digits=0,
           nillable=True, createable=True, updateable=True,
           defaultedOnCreate=False, calculated=False, externalId=False,
           unique=False, idLookup=False, picklist=None, restricted=False,
           referenceTo=None, relationshipName=None, compoundFieldName=None,
           nameField=False, custom=None, defaultValue=None, extraTypeInfo=None,
           caseSensitive=False, filterable=True, sortable=True,
           groupable=None, autoNumber=False, htmlFormatted=False):
    """Build one describe field dict with the key order of real responses."""
    if custom is None:
        custom = name.endswith("__c")
    if label is None:
        label = name[:-3].replace("_", " ") if custom else name
    if ftype in ("multipicklist",):
        byte_length = length
    elif ftype in _TEXT_TYPES:
        byte_length = 3 * length
    elif ftype in ("id", "reference"):
        byte_length = length
    else:
        byte_length = 0
    plv = []
    for i, p in enumerate(picklist or ()):
        if isinstance(p, tuple):
            value, is_default = p
        else:
            value, is_default = p, False
        plv.append({"active": True, "defaultValue": is_default,
                    "label": value, "validFor": None, "value": value})
    if groupable is None:
        groupable = ftype not in ("textarea", "double", "currency", "percent",
                                  "multipicklist", "address", "location",
                                  "base64") and not (
            ftype == "datetime")
    if ftype == "textarea" or ftype in ("address", "location", "base64"):
        filterable_v = ftype not in ("address", "location", "base64") and length <= 255
        sortable_v = filterable_v
    else:
        filterable_v, sortable_v = filterable, sortable
    return {
        "aggregatable": ftype not in ("textarea", "multipicklist", "address",
                                      "location", "base64", "boolean"),
        "aiPredictionField": False,
        "autoNumber": autoNumber,
        "byteLength": byte_length,
        "calculated": calculated,
        "calculatedFormula": None,
        "cascadeDelete": False,
        "caseSensitive": caseSensitive,
        "compoundFieldName": compoundFieldName,
        "controllerName": None,
        "createable": createable,
        "custom": custom,
        "defaultValue": defaultValue,
        "defaultValueFormula": None,
        "defaultedOnCreate": defaultedOnCreate,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": digits,
        "displayLocationInDecimal": False,
        "encrypted": False,
        "externalId": externalId,
        "extraTypeInfo": extraTypeInfo,
        "filterable": filterable_v,
        "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False,
        "groupable": groupable,
        "highScaleNumber": False,
        "htmlFormatted": htmlFormatted,
        "idLookup": idLookup,
        "inlineHelpText": None,
        "label": label,
        "length": length,
        "mask": None,
        "maskType": None,
        "name": name,
        "nameField": nameField,
        "namePointing": bool(referenceTo and len(referenceTo) > 1),
        "nillable": nillable,
        "permissionable": nillable and (createable or updateable) and not calculated,
        "picklistValues": plv,
        "polymorphicForeignKey": bool(referenceTo and len(referenceTo) > 1),
        "precision": precision,
        "queryByDistance": False,
        "referenceTargetField": None,
        "referenceTo": list(referenceTo or []),
        "relationshipName": relationshipName,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": restricted,
        "scale": scale,
        "searchPrefilterable": ftype == "reference",
        "soapType": _SOAP_TYPES[ftype],
        "sortable": sortable_v,
        "type": ftype,
        "unique": unique,
        "updateable": updateable,
        "writeRequiresMasterRead": False,
    }


def _system_fields(owner=True):
    """Id, audit and ownership fields every replicated object has."""
    f = [
        _field("Id", "id", "Record ID", length=18, nillable=False,
               createable=False, updateable=False, defaultedOnCreate=True,
               idLookup=True),
    ]
    if owner:
        f.append(_field("OwnerId", "reference", "Owner ID", length=18,
                        nillable=False, defaultedOnCreate=True,
                        referenceTo=["Group", "User"],
                        relationshipName="Owner"))
    f += [
        _field("IsDeleted", "boolean", "Deleted", nillable=False,
               createable=False, updateable=False, defaultedOnCreate=True),
        _field("CreatedDate", "datetime", "Created Date", nillable=False,
               createable=False, updateable=False, defaultedOnCreate=True),
        _field("CreatedById", "reference", "Created By ID", length=18,
               nillable=False, createable=False, updateable=False,
               defaultedOnCreate=True, referenceTo=["User"],
               relationshipName="CreatedBy"),
        _field("LastModifiedDate", "datetime", "Last Modified Date",
               nillable=False, createable=False, updateable=False,
               defaultedOnCreate=True),
        _field("LastModifiedById", "reference", "Last Modified By ID",
               length=18, nillable=False, createable=False, updateable=False,
               defaultedOnCreate=True, referenceTo=["User"],
               relationshipName="LastModifiedBy"),
        _field("SystemModstamp", "datetime", "System Modstamp",
               nillable=False, createable=False, updateable=False,
               defaultedOnCreate=True),
    ]
    return f


def _address_fields(prefix, label):
    comp = prefix + "Address"
    return [
        _field(prefix + "Street", "textarea", label + " Street", length=255,
               compoundFieldName=comp, extraTypeInfo="plaintextarea"),
        _field(prefix + "City", "string", label + " City", length=40,
               compoundFieldName=comp),
        _field(prefix + "State", "string", label + " State/Province",
               length=80, compoundFieldName=comp),
        _field(prefix + "PostalCode", "string", label + " Zip/Postal Code",
               length=20, compoundFieldName=comp),
        _field(prefix + "Country", "string", label + " Country", length=80,
               compoundFieldName=comp),
        _field(prefix + "Latitude", "double", label + " Latitude",
               precision=18, scale=15, compoundFieldName=comp),
        _field(prefix + "Longitude", "double", label + " Longitude",
               precision=18, scale=15, compoundFieldName=comp),
        _field(comp, "address", label + " Address", createable=False,
               updateable=False, filterable=False, sortable=False),
    ]


def _external_id_field():
    return _field("External_ID__c", "string", "External ID", length=36,
                  externalId=True, unique=True, idLookup=True)


ACCOUNT_TYPES = ["Prospect", "Customer - Direct", "Customer - Channel",
                 "Channel Partner / Reseller", "Installation Partner",
                 "Technology Partner", "Other"]
INDUSTRIES = ["Agriculture", "Apparel", "Banking", "Biotechnology",
              "Chemicals", "Communications", "Construction", "Consulting",
              "Education", "Electronics", "Energy", "Engineering",
              "Entertainment", "Environmental", "Finance", "Food & Beverage",
              "Government", "Healthcare", "Hospitality", "Insurance",
              "Machinery", "Manufacturing", "Media", "Not For Profit",
              "Recreation", "Retail", "Shipping", "Technology",
              "Telecommunications", "Transportation", "Utilities", "Other"]
RATINGS = ["Hot", "Warm", "Cold"]
LEAD_SOURCES = ["Web", "Phone Inquiry", "Partner Referral",
                "Purchased List", "Other"]
SALUTATIONS = ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."]
STATUSES = ["New", "Active", "On Hold", "Churned", "Closed"]
TAGS = ["Gold", "Silver", "Bronze", "Priority", "Renewal", "Upsell",
        "At Risk", "Reference"]


def _account_def():
    fields = _system_fields()
    fields[2:2] = [
        _field("Name", "string", "Account Name", length=255, nillable=False,
               nameField=True, idLookup=True),
        _field("AccountNumber", "string", "Account Number", length=40),
        _field("Type", "picklist", "Account Type", length=255,
               picklist=ACCOUNT_TYPES),
        _field("Industry", "picklist", "Industry", length=255,
               picklist=INDUSTRIES),
        _field("Rating", "picklist", "Account Rating", length=255,
               picklist=RATINGS, restricted=True),
        _field("AnnualRevenue", "currency", "Annual Revenue", precision=18,
               scale=0),
        _field("NumberOfEmployees", "int", "Employees", digits=8),
        _field("Phone", "phone", "Account Phone", length=40),
        _field("Website", "url", "Website", length=255),
        _field("Description", "textarea", "Account Description",
               length=32000, extraTypeInfo="plaintextarea"),
    ] + _address_fields("Billing", "Billing") + [
        _field("Active__c", "boolean", "Active", nillable=False,
               defaultedOnCreate=True, defaultValue=True),
        _external_id_field(),
    ]
    return {"name": "Account", "label": "Account", "labelPlural": "Accounts",
            "keyPrefix": "001", "custom": False, "fields": fields}


def _contact_def():
    fields = _system_fields()
    fields[2:2] = [
        _field("AccountId", "reference", "Account ID", length=18,
               referenceTo=["Account"], relationshipName="Account"),
        _field("LastName", "string", "Last Name", length=80, nillable=False),
        _field("FirstName", "string", "First Name", length=40),
        _field("Salutation", "picklist", "Salutation", length=40,
               picklist=SALUTATIONS),
        _field("Name", "string", "Full Name", length=121, createable=False,
               updateable=False, nameField=True, idLookup=True,
               nillable=False, defaultedOnCreate=True, calculated=False),
        _field("Title", "string", "Title", length=128),
        _field("Department", "string", "Department", length=80),
        _field("Email", "email", "Email", length=80, idLookup=True),
        _field("Phone", "phone", "Business Phone", length=40),
        _field("MobilePhone", "phone", "Mobile Phone", length=40),
        _field("Birthdate", "date", "Birthdate"),
        _field("LeadSource", "picklist", "Lead Source", length=255,
               picklist=LEAD_SOURCES),
        _field("HasOptedOutOfEmail", "boolean", "Email Opt Out",
               nillable=False, defaultedOnCreate=True, defaultValue=False),
        _field("Description", "textarea", "Contact Description",
               length=32000, extraTypeInfo="plaintextarea"),
    ] + _address_fields("Mailing", "Mailing") + [
        _external_id_field(),
    ]
    return {"name": "Contact", "label": "Contact", "labelPlural": "Contacts",
            "keyPrefix": "003", "custom": False, "fields": fields}


def _customer_record_def():
    fields = _system_fields()
    fields[2:2] = [
        _field("Name", "string", "Customer Record Name", length=80,
               nameField=True, idLookup=True, defaultedOnCreate=True,
               custom=False),
        _field("Account__c", "reference", "Account", length=18,
               referenceTo=["Account"], relationshipName="Account__r"),
        _field("Status__c", "picklist", "Status", length=255,
               picklist=[("New", True)] + STATUSES[1:], restricted=True,
               defaultedOnCreate=True),
        _field("Amount__c", "currency", "Amount", precision=16, scale=2),
        _field("Score__c", "double", "Score", precision=8, scale=4),
        _field("Visits__c", "double", "Visits", precision=18, scale=0),
        _field("Signup_Date__c", "date", "Signup Date"),
        _field("Last_Contact__c", "datetime", "Last Contact"),
        _field("Notes__c", "textarea", "Notes", length=131072,
               extraTypeInfo="plaintextarea"),
        _field("Tags__c", "multipicklist", "Tags", length=4099,
               picklist=TAGS),
        _field("Email__c", "email", "Email", length=80),
        _external_id_field(),
        # An external id that is NOT unique: upserts on it can match several
        # records (HTTP 300 / DUPLICATE_EXTERNAL_ID).
        _field("Legacy_Code__c", "string", "Legacy Code", length=20,
               externalId=True, idLookup=True),
    ]
    return {"name": "Customer_Record__c", "label": "Customer Record",
            "labelPlural": "Customer Records", "keyPrefix": "a01",
            "custom": True, "fields": fields}


def _user_def():
    fields = _system_fields(owner=False)
    fields[1:1] = [
        _field("Username", "string", "Username", length=80, nillable=False,
               unique=True, idLookup=True),
        _field("LastName", "string", "Last Name", length=80, nillable=False),
        _field("FirstName", "string", "First Name", length=40),
        _field("Name", "string", "Full Name", length=121, createable=False,
               updateable=False, nameField=True, nillable=False,
               defaultedOnCreate=True),
        _field("Email", "email", "Email", length=128, nillable=False),
        _field("IsActive", "boolean", "Active", nillable=False,
               defaultedOnCreate=True, defaultValue=True),
    ]
    return {"name": "User", "label": "User", "labelPlural": "Users",
            "keyPrefix": "005", "custom": False, "fields": fields}


_OBJECTS = None


def objects():
    """All emulated objects (deep copies; callers may modify them)."""
    global _OBJECTS
    if _OBJECTS is None:
        _OBJECTS = [_account_def(), _contact_def(), _customer_record_def(),
                    _user_def()]
    return copy.deepcopy(_OBJECTS)


def object_by_name(name):
    for o in objects():
        if o["name"].lower() == name.lower():
            return o
    return None


# ---------------------------------------------------------------------------
# Demo data
# ---------------------------------------------------------------------------

#: Demo data is anchored here: dates spread over the three years before it.
DEMO_NOW = datetime.datetime(2026, 11, 1, 0, 0, 0)
_SPAN_SECONDS = 3 * 365 * 86400
DEFAULT_COUNTS = {"Account": 1000, "Contact": 3000, "Customer_Record__c": 1000}
_SEED = 20231001

_USERS = [
    ("Integration", "User", "integration@example.com"),
    ("Test", "User", "test@example.com"),
    ("Amélie", "Dubois", "amelie.dubois@example.com"),
    ("Kenji", "Sato", "kenji.sato@example.com"),
    ("Priya", "Raman", "priya.raman@example.com"),
]

FIRST_NAMES = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer",
               "Michael", "Linda", "William", "Elizabeth", "David", "Barbara",
               "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
               "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa",
               "Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley",
               "Paul", "Emily", "Andrew", "Michelle", "Joshua", "Amanda",
               "José", "Zoë", "Renée", "Björn", "Jürgen", "Søren", "François",
               "Chloé", "Łukasz", "Ángel", "Noémie", "İlkay", "Siobhán",
               "Mei", "Wei", "Aiko", "Haruto", "Priya", "Arjun", "Fatima",
               "Omar", "Olga", "Dmitri", "Ingrid", "Lars", "Ana", "Luis",
               "太郎", "花子", "Giulia", "Matteo", "Hannah", "Lukas"]
LAST_NAMES = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia",
              "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez",
              "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
              "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson",
              "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis",
              "Robinson", "Walker", "Young", "Allen", "King", "Wright",
              "Müller", "Schröder", "Groß", "Lefèvre", "Núñez", "Ødegaard",
              "Wójcik", "Çelik", "O'Brien", "García Márquez", "Nguyễn",
              "Kowalski", "Novák", "Ivanova", "Rossi", "Bianchi", "Jansen",
              "de Vries", "Andersson", "Nielsen", "Tanaka", "Suzuki",
              "山田", "佐藤", "鈴木", "Kim", "Park", "Chen", "Wang", "Singh",
              "Patel", "Okafor", "Mensah", "Haddad"]
_NAME_PARTS_A = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne",
                 "Blue Ridge", "Northwind", "Contoso", "Fabrikam", "Tailspin",
                 "Wingtip", "Litware", "Adventure", "Proseware", "Lucerne",
                 "Alpine", "Coho", "Fourth Coffee", "Margie's", "Trey",
                 "Woodgrove", "Silver Oak", "Red Rock", "Granite", "Harbor",
                 "Summit", "Pioneer", "Evergreen", "Sunrise", "Atlas",
                 "Vertex", "Quantum", "Nimbus", "Polaris", "Orion",
                 "Société Générale de", "Zürich", "Münchner", "Café Olé",
                 "São Paulo", "Kraków", "東京", "日本", "大阪", "Årstad",
                 "Élan", "Çamlıca"]
_NAME_PARTS_B = ["Industries", "Holdings", "Systems", "Labs", "Group",
                 "Partners", "Solutions", "Logistics", "Energy", "Foods",
                 "Health", "Capital", "Media", "Networks", "Robotics",
                 "Consulting", "Manufacturing", "Retail", "Software",
                 "Analytics", "Bank", "Insurance", "Pharma", "Motors",
                 "Textiles", "Airlines", "Telecom", "Studios", "商事",
                 "工業", "GmbH", "S.A.", "Ltd", "Inc.", "AG", "SARL", "Oy"]
_SUFFIXES = ["", "", "", " Inc.", " LLC", " Corp.", " & Co."]
CITIES = [  # city, state, postal prefix, country, lat, lon
    ("San Francisco", "CA", "941", "USA", 37.7749, -122.4194),
    ("New York", "NY", "100", "USA", 40.7128, -74.0060),
    ("Austin", "TX", "787", "USA", 30.2672, -97.7431),
    ("Chicago", "IL", "606", "USA", 41.8781, -87.6298),
    ("Seattle", "WA", "981", "USA", 47.6062, -122.3321),
    ("Boston", "MA", "021", "USA", 42.3601, -71.0589),
    ("Denver", "CO", "802", "USA", 39.7392, -104.9903),
    ("Atlanta", "GA", "303", "USA", 33.7490, -84.3880),
    ("Toronto", "ON", "M5V", "Canada", 43.6532, -79.3832),
    ("Montréal", "QC", "H2X", "Canada", 45.5017, -73.5673),
    ("London", None, "EC1", "United Kingdom", 51.5074, -0.1278),
    ("Paris", None, "750", "France", 48.8566, 2.3522),
    ("München", "Bayern", "803", "Germany", 48.1351, 11.5820),
    ("Zürich", "ZH", "800", "Switzerland", 47.3769, 8.5417),
    ("Tokyo", "東京都", "100", "Japan", 35.6762, 139.6503),
    ("大阪", "大阪府", "530", "Japan", 34.6937, 135.5023),
    ("São Paulo", "SP", "010", "Brazil", -23.5505, -46.6333),
    ("Sydney", "NSW", "200", "Australia", -33.8688, 151.2093),
    ("Bengaluru", "KA", "560", "India", 12.9716, 77.5946),
    ("Kraków", None, "31-", "Poland", 50.0647, 19.9450),
]
_STREETS = ["Main St", "Market St", "Oak Ave", "Maple Dr", "Broadway",
            "Elm St", "Mission St", "Pine St", "Cedar Ln", "Lake Shore Dr",
            "Rue de Rivoli", "Königstraße", "Bahnhofstrasse", "Avenida Paulista"]
_TITLES = ["CEO", "CFO", "CTO", "VP Sales", "VP Marketing", "Sales Manager",
           "Account Executive", "Software Engineer", "Buyer",
           "Procurement Manager", "Director of Operations", "Office Manager",
           "Head of IT", "Data Analyst", "Product Manager", None]
_DEPARTMENTS = ["Sales", "Marketing", "Finance", "Engineering", "Operations",
                "IT", "Procurement", "Legal", None]
_WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do "
          "eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim "
          "ad minim veniam quis nostrud exercitation ullamco laboris nisi "
          "aliquip ex ea commodo consequat customer renewal pipeline contract "
          "quarterly review onboarding escalation").split()

_ASCII_FOLD = str.maketrans({
    "é": "e", "è": "e", "ë": "e", "ê": "e", "É": "E", "ü": "u", "ö": "o",
    "ä": "a", "ß": "ss", "ø": "o", "Ø": "O", "ó": "o", "ñ": "n", "ú": "u",
    "á": "a", "Á": "A", "í": "i", "ç": "c", "Ç": "C", "ł": "l", "Ł": "L",
    "İ": "I", "ı": "i", "ễ": "e", "å": "a", "Å": "A", "à": "a", "ã": "a",
    "ô": "o", "'": "", " ": "",
})


def users():
    """Demo users: list of dicts with the User object's fields."""
    out = []
    created = DEMO_NOW - datetime.timedelta(days=4 * 365)
    for i, (first, last, email) in enumerate(_USERS):
        uid = make_id("005", i + 1)
        out.append({
            "Id": uid, "Username": email, "FirstName": first,
            "LastName": last, "Name": first + " " + last, "Email": email,
            "IsActive": True, "IsDeleted": False,
            "CreatedDate": created, "CreatedById": make_id("005", 1),
            "LastModifiedDate": created, "LastModifiedById": make_id("005", 1),
            "SystemModstamp": created,
        })
    return out


def _pick(rng, seq):
    """rng.choice without its overhead (called millions of times)."""
    return seq[int(rng.random() * len(seq))]


def _rr(rng, a, b=None):
    """rng.randrange(a[, b]) for small ranges, without its overhead."""
    if b is None:
        a, b = 0, a
    return a + int(rng.random() * (b - a))


def _seed_for(obj, i):
    return (_SEED * 1000003 + zlib.crc32(obj.encode())) * 10000019 + i


def _ascii(s):
    s = s.translate(_ASCII_FOLD).lower()
    return "".join(c for c in s if c.isascii() and (c.isalnum() or c in ".-"))


def _ext_id(rng):
    h = "%032x" % rng.getrandbits(128)
    return "%s-%s-4%s-%s-%s" % (h[:8], h[8:12], h[13:16], h[16:20], h[20:32])


def _audit(rng, i, total, owners):
    """CreatedDate <= LastModifiedDate <= SystemModstamp, spread over 3 y.

    Roughly 3 % of records share one of a few "bulk import" instants so that
    (SystemModstamp, Id) tie-breaking has real ties to work on.
    """
    if rng.random() < 0.03:
        k = _rr(rng, 4)
        created = DEMO_NOW - datetime.timedelta(days=200 + 150 * k,
                                                hours=3, minutes=17)
        modified = created
    else:
        base = (i + rng.random()) / max(total, 1)
        created = DEMO_NOW - datetime.timedelta(
            seconds=int(_SPAN_SECONDS * (1.0 - base)))
        left = int((DEMO_NOW - created).total_seconds())
        if rng.random() < 0.4 or left <= 1:
            modified = created
        else:
            modified = created + datetime.timedelta(
                seconds=_rr(rng, 1, left))
    stamp = modified
    if rng.random() < 0.05 and modified < DEMO_NOW - datetime.timedelta(hours=1):
        stamp = modified + datetime.timedelta(minutes=_rr(rng, 1, 60))
    creator = owners[_rr(rng, len(owners))]
    modifier = owners[_rr(rng, len(owners))]
    return {"CreatedDate": created, "CreatedById": creator,
            "LastModifiedDate": modified, "LastModifiedById": modifier,
            "SystemModstamp": stamp}


def _phone(rng, country):
    if country == "USA" or country == "Canada":
        return "(%03d) %03d-%04d" % (_rr(rng, 201, 990),
                                     _rr(rng, 200, 999),
                                     _rr(rng, 10000))
    return "+%d %d %04d %04d" % (_rr(rng, 30, 90), _rr(rng, 1, 99),
                                 _rr(rng, 10000), _rr(rng, 10000))


def _sentence(rng, n):
    words = [_pick(rng, _WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


_POOL = None


def _long_text(rng, paragraphs, sep):
    """Long text assembled from a fixed pool of sentences (cheap to make)."""
    global _POOL
    if _POOL is None:
        prng = random.Random(_SEED)
        _POOL = [_sentence(prng, _rr(prng, 20, 60)) for _ in range(256)]
    return sep.join(_POOL[_rr(rng, 256)] for _ in range(paragraphs))


def _street(rng):
    return "%d %s" % (_rr(rng, 1, 9999), _pick(rng, _STREETS))


def _gen_account(i, total, owners):
    rng = random.Random(_seed_for("Account", i))
    name = "%s %s%s" % (_pick(rng, _NAME_PARTS_A), _pick(rng, _NAME_PARTS_B),
                        _pick(rng, _SUFFIXES))
    city = _pick(rng, CITIES)
    rec = {"Id": make_id("001", i + 1), "Name": name}
    rec["AccountNumber"] = ("CD%06d" % (100000 + i)) if rng.random() < 0.7 else None
    rec["Type"] = _pick(rng, ACCOUNT_TYPES) if rng.random() < 0.85 else None
    rec["Industry"] = _pick(rng, INDUSTRIES) if rng.random() < 0.8 else None
    rec["Rating"] = _pick(rng, RATINGS) if rng.random() < 0.6 else None
    rec["AnnualRevenue"] = (float(_rr(rng, 10, 500000) * 10000)
                            if rng.random() < 0.7 else None)
    rec["NumberOfEmployees"] = (int(rng.lognormvariate(4, 2)) + 1
                                if rng.random() < 0.75 else None)
    if rec["NumberOfEmployees"] is not None:
        rec["NumberOfEmployees"] = min(rec["NumberOfEmployees"], 99999999)
    rec["Phone"] = _phone(rng, city[3]) if rng.random() < 0.8 else None
    slug = _ascii(name.split(" ")[0]) or "company%d" % i
    rec["Website"] = ("https://www.%s.example.com" % slug
                      if rng.random() < 0.7 else None)
    r = rng.random()
    if r < 0.02:
        rec["Description"] = _long_text(rng, _rr(rng, 20, 60), "\n\n")
    elif r < 0.5:
        rec["Description"] = _sentence(rng, _rr(rng, 5, 30))
    else:
        rec["Description"] = None
    if rng.random() < 0.9:
        rec["BillingStreet"] = _street(rng)
        if rng.random() < 0.1:
            rec["BillingStreet"] += "\nSuite %d" % _rr(rng, 100, 999)
        rec["BillingCity"] = city[0]
        rec["BillingState"] = city[1]
        rec["BillingPostalCode"] = city[2] + "%02d" % _rr(rng, 100)
        rec["BillingCountry"] = city[3]
        rec["BillingLatitude"] = round(city[4] + rng.uniform(-0.05, 0.05), 6)
        rec["BillingLongitude"] = round(city[5] + rng.uniform(-0.05, 0.05), 6)
    else:
        for k in ("BillingStreet", "BillingCity", "BillingState",
                  "BillingPostalCode", "BillingCountry", "BillingLatitude",
                  "BillingLongitude"):
            rec[k] = None
    rec["Active__c"] = rng.random() < 0.85
    rec["External_ID__c"] = _ext_id(rng) if rng.random() < 0.9 else None
    rec["OwnerId"] = owners[_rr(rng, len(owners))]
    rec.update(_audit(rng, i, total, owners))
    rec["IsDeleted"] = rng.random() < 0.01
    return rec


def _gen_contact(i, total, owners, accounts):
    rng = random.Random(_seed_for("Contact", i))
    first = _pick(rng, FIRST_NAMES) if rng.random() < 0.95 else None
    last = _pick(rng, LAST_NAMES)
    city = _pick(rng, CITIES)
    rec = {"Id": make_id("003", i + 1)}
    acc = None
    if accounts and rng.random() < 0.95:
        acc = accounts[_rr(rng, len(accounts))]
    rec["AccountId"] = acc["Id"] if acc else None
    rec["LastName"] = last
    rec["FirstName"] = first
    rec["Salutation"] = _pick(rng, SALUTATIONS) if rng.random() < 0.3 else None
    rec["Name"] = (first + " " + last) if first else last
    rec["Title"] = _pick(rng, _TITLES)
    rec["Department"] = _pick(rng, _DEPARTMENTS)
    if rng.random() < 0.9:
        domain = "example.com"
        if acc and acc.get("Website"):
            domain = acc["Website"].split("www.", 1)[1]
        local = (_ascii(first) + "." if first else "") + _ascii(last)
        rec["Email"] = "%s%d@%s" % (local or "contact", i, domain)
    else:
        rec["Email"] = None
    rec["Phone"] = _phone(rng, city[3]) if rng.random() < 0.7 else None
    rec["MobilePhone"] = _phone(rng, city[3]) if rng.random() < 0.4 else None
    if rng.random() < 0.6:
        rec["Birthdate"] = datetime.date(1950, 1, 1) + datetime.timedelta(
            days=_rr(rng, 0, 52 * 365))
    else:
        rec["Birthdate"] = None
    rec["LeadSource"] = _pick(rng, LEAD_SOURCES) if rng.random() < 0.6 else None
    rec["HasOptedOutOfEmail"] = rng.random() < 0.1
    r = rng.random()
    if r < 0.01:
        rec["Description"] = _long_text(rng, 30, "\n")
    elif r < 0.2:
        rec["Description"] = _sentence(rng, _rr(rng, 4, 20))
    else:
        rec["Description"] = None
    if rng.random() < 0.7:
        rec["MailingStreet"] = _street(rng)
        rec["MailingCity"] = city[0]
        rec["MailingState"] = city[1]
        rec["MailingPostalCode"] = city[2] + "%02d" % _rr(rng, 100)
        rec["MailingCountry"] = city[3]
        rec["MailingLatitude"] = None
        rec["MailingLongitude"] = None
    else:
        for k in ("MailingStreet", "MailingCity", "MailingState",
                  "MailingPostalCode", "MailingCountry", "MailingLatitude",
                  "MailingLongitude"):
            rec[k] = None
    rec["External_ID__c"] = _ext_id(rng) if rng.random() < 0.8 else None
    rec["OwnerId"] = acc["OwnerId"] if acc else owners[_rr(rng, len(owners))]
    rec.update(_audit(rng, i, total, owners))
    rec["IsDeleted"] = rng.random() < 0.01
    return rec


def _gen_customer_record(i, total, owners, accounts):
    rng = random.Random(_seed_for("Customer_Record__c", i))
    rec = {"Id": make_id("a01", i + 1), "Name": "CR-%06d" % (i + 1)}
    acc = None
    if accounts and rng.random() < 0.9:
        acc = accounts[_rr(rng, len(accounts))]
    rec["Account__c"] = acc["Id"] if acc else None
    rec["Status__c"] = _pick(rng, STATUSES)
    rec["Amount__c"] = (round(rng.uniform(0, 250000), 2)
                        if rng.random() < 0.85 else None)
    rec["Score__c"] = (round(rng.uniform(0, 100), 4)
                       if rng.random() < 0.8 else None)
    rec["Visits__c"] = float(_rr(rng, 0, 500)) if rng.random() < 0.9 else None
    audit = _audit(rng, i, total, owners)
    created = audit["CreatedDate"]
    rec["Signup_Date__c"] = ((created - datetime.timedelta(
        days=_rr(rng, 0, 60))).date() if rng.random() < 0.8 else None)
    if rng.random() < 0.7:
        rec["Last_Contact__c"] = audit["LastModifiedDate"] - datetime.timedelta(
            seconds=_rr(rng, 0, 86400 * 3))
        if rec["Last_Contact__c"] < created:
            rec["Last_Contact__c"] = created
    else:
        rec["Last_Contact__c"] = None
    r = rng.random()
    if r < 0.02:
        rec["Notes__c"] = _long_text(rng, 80, "\n")
    elif r < 0.4:
        rec["Notes__c"] = _sentence(rng, _rr(rng, 5, 40))
    else:
        rec["Notes__c"] = None
    if rng.random() < 0.6:
        tags = sorted(rng.sample(range(len(TAGS)), _rr(rng, 1, 4)))
        rec["Tags__c"] = ";".join(TAGS[t] for t in tags)
    else:
        rec["Tags__c"] = None
    if rng.random() < 0.7:
        rec["Email__c"] = "customer%d@%s" % (
            i + 1, _pick(rng, ["example.com", "example.org", "mail.example.net"]))
    else:
        rec["Email__c"] = None
    rec["External_ID__c"] = _ext_id(rng) if rng.random() < 0.95 else None
    # Mostly unique; every 50th record shares the code of the one before it.
    code = i if i % 50 or i == 0 else i - 1
    rec["Legacy_Code__c"] = ("LC-%06d" % code) if rng.random() < 0.8 or i % 50 in (0, 49) else None
    rec["OwnerId"] = acc["OwnerId"] if acc else owners[_rr(rng, len(owners))]
    rec.update(audit)
    rec["IsDeleted"] = rng.random() < 0.01
    return rec


def demo_records(counts=None):
    """Deterministic demo org data.

    counts overrides the number of records per object, e.g.
    {"Account": 100000}.  Each record has its own seeded generator, so
    record number i keeps its names and values whatever the count; its
    dates (spread over the three years in Id order) and its links to
    accounts depend on the counts.
    """
    c = dict(DEFAULT_COUNTS)
    if counts:
        for k, v in counts.items():
            obj = object_by_name(k)
            if obj is None or obj["name"] not in DEFAULT_COUNTS:
                raise ValueError("no demo data for object %r" % k)
            c[obj["name"]] = int(v)
    owners = [u["Id"] for u in users()]
    n = c["Account"]
    accounts = [_gen_account(i, n, owners) for i in range(n)]
    live = [a for a in accounts if not a["IsDeleted"]]
    n = c["Contact"]
    contacts = [_gen_contact(i, n, owners, live) for i in range(n)]
    n = c["Customer_Record__c"]
    records = [_gen_customer_record(i, n, owners, live) for i in range(n)]
    return {"Account": accounts, "Contact": contacts,
            "Customer_Record__c": records}
