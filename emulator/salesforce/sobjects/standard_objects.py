"""Standard objects as data: Account, Contact, Lead, User (SPEC SF-REST-2).

Field names, labels, types and lengths follow the Salesforce Object Reference.
"""
from __future__ import annotations

from .fields import FieldDef, owner_field, system_fields, text

SALUTATIONS = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", "Mx.")
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
INDUSTRIES = ("Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
              "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
              "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government",
              "Healthcare", "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media",
              "Not For Profit", "Recreation", "Retail", "Shipping", "Technology",
              "Telecommunications", "Transportation", "Utilities", "Other")
LEAD_STATUSES = ("Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                 "Closed - Not Converted")
ACCOUNT_TYPES = ("Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
                 "Installation Partner", "Technology Partner", "Other")
RATINGS = ("Hot", "Warm", "Cold")

_RO = {"createable": False, "updateable": False}


def _picklist(name: str, label: str, values: tuple[str, ...], **kw) -> FieldDef:
    return FieldDef(name, label, "picklist", 255, picklist=values, restricted_picklist=True, **kw)


def _address(prefix: str, label: str) -> list[FieldDef]:
    return [
        FieldDef(f"{prefix}Street", f"{label} Street", "textarea", 255),
        text(f"{prefix}City", f"{label} City", 40),
        text(f"{prefix}State", f"{label} State/Province", 80),
        text(f"{prefix}PostalCode", f"{label} Zip/Postal Code", 20),
        text(f"{prefix}Country", f"{label} Country", 80),
    ]


def _person_name() -> list[FieldDef]:
    return [
        text("LastName", "Last Name", 80, nillable=False),
        text("FirstName", "First Name", 40),
        _picklist("Salutation", "Salutation", SALUTATIONS),
        text("Name", "Full Name", 121, name_field=True, **_RO),
    ]


ACCOUNT = [
    text("Name", "Account Name", 255, nillable=False, name_field=True),
    _picklist("Type", "Account Type", ACCOUNT_TYPES),
    FieldDef("ParentId", "Parent Account ID", "reference", 18, reference_to=("Account",),
             relationship_name="Parent"),
    *_address("Billing", "Billing"),
    *_address("Shipping", "Shipping"),
    FieldDef("Phone", "Account Phone", "phone", 40),
    FieldDef("Fax", "Account Fax", "phone", 40),
    text("AccountNumber", "Account Number", 40),
    FieldDef("Website", "Website", "url", 255),
    _picklist("Industry", "Industry", INDUSTRIES),
    FieldDef("AnnualRevenue", "Annual Revenue", "currency", precision=18),
    FieldDef("NumberOfEmployees", "Employees", "int", precision=8),
    FieldDef("Description", "Account Description", "textarea", 32000),
    _picklist("Rating", "Account Rating", RATINGS),
    owner_field(),
]

CONTACT = [
    FieldDef("AccountId", "Account ID", "reference", 18, reference_to=("Account",), relationship_name="Account"),
    *_person_name(),
    *_address("Mailing", "Mailing"),
    *_address("Other", "Other"),
    FieldDef("Phone", "Business Phone", "phone", 40),
    FieldDef("Fax", "Business Fax", "phone", 40),
    FieldDef("MobilePhone", "Mobile Phone", "phone", 40),
    FieldDef("HomePhone", "Home Phone", "phone", 40),
    FieldDef("Email", "Email", "email", 80, id_lookup=True),
    text("Title", "Title", 128),
    text("Department", "Department", 80),
    _picklist("LeadSource", "Lead Source", LEAD_SOURCES),
    FieldDef("Birthdate", "Birthdate", "date"),
    FieldDef("Description", "Contact Description", "textarea", 32000),
    FieldDef("HasOptedOutOfEmail", "Email Opt Out", "boolean", nillable=False, default=False),
    FieldDef("DoNotCall", "Do Not Call", "boolean", nillable=False, default=False),
    FieldDef("LastActivityDate", "Last Activity", "date", **_RO),
    owner_field(),
]

LEAD = [
    *_person_name(),
    text("Title", "Title", 128),
    text("Company", "Company", 255, nillable=False),
    *_address("", ""),
    FieldDef("Phone", "Phone", "phone", 40),
    FieldDef("MobilePhone", "Mobile Phone", "phone", 40),
    FieldDef("Email", "Email", "email", 80, id_lookup=True),
    FieldDef("Website", "Website", "url", 255),
    FieldDef("Description", "Description", "textarea", 32000),
    _picklist("LeadSource", "Lead Source", LEAD_SOURCES),
    _picklist("Status", "Status", LEAD_STATUSES, nillable=False, default="Open - Not Contacted"),
    _picklist("Industry", "Industry", INDUSTRIES),
    _picklist("Rating", "Rating", RATINGS),
    FieldDef("AnnualRevenue", "Annual Revenue", "currency", precision=18),
    FieldDef("NumberOfEmployees", "Employees", "int", precision=8),
    FieldDef("IsConverted", "Converted", "boolean", nillable=False, default=False, **_RO),
    FieldDef("HasOptedOutOfEmail", "Email Opt Out", "boolean", nillable=False, default=False),
    owner_field(),
]

USER = [
    text("Username", "Username", 80, nillable=False, unique=True, id_lookup=True, **_RO),
    text("LastName", "Last Name", 80, nillable=False, **_RO),
    text("FirstName", "First Name", 40, **_RO),
    text("Name", "Full Name", 121, name_field=True, **_RO),
    FieldDef("Email", "Email", "email", 128, nillable=False, **_RO),
    FieldDef("IsActive", "Active", "boolean", nillable=False, **_RO),
    text("TimeZoneSidKey", "Time Zone", 40, nillable=False, **_RO),
]

# name -> (label, plural label, key prefix, field list, updatable by the API)
STANDARD_OBJECTS: dict[str, tuple[str, str, str, list[FieldDef], bool]] = {
    "Account": ("Account", "Accounts", "001", ACCOUNT, True),
    "Contact": ("Contact", "Contacts", "003", CONTACT, True),
    "Lead": ("Lead", "Leads", "00Q", LEAD, True),
    "User": ("User", "Users", "005", USER, False),
}


def standard_fields(name: str) -> list[FieldDef]:
    """System fields first, then the object's own, as describe lists them."""
    return system_fields() + list(STANDARD_OBJECTS[name][3])
