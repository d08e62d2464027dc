"""What the body of ``POST /v1/x509/users`` holds: a certificate's subject
DN and its issuer's, the project and role it logs in with.

Both DNs are read here and given back in the one form Keystone's mapping
holds (glint_service.dn), so that a DN that cannot be read is a 400 naming
its field before Keystone is asked anything.
"""

import jsonschema

from glint_service.api import schemas
from glint_service.api.schemas import clouds as cloud_schema
from glint_service import dn
from glint_service import exception

DEFAULT_ROLE = 'member'
# Longer than any DN a CA issues; Keystone keeps a mapping's rules as text.
MAX_DN = 1024
_TEXT = {'type': 'string', 'minLength': 1, 'maxLength': 255}
FIELD_SCHEMAS = {
    'dn': {'type': 'string', 'minLength': 1, 'maxLength': MAX_DN},
    'issuer': {'type': 'string', 'minLength': 1, 'maxLength': MAX_DN},
    # A project's name or id, in the caller's Keystone.
    'project': _TEXT,
    'role': _TEXT,
    # The Keystone user's name; Keystone's own default when not given.
    'name': {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255},
}
REQUIRED = ('dn', 'issuer', 'project')
_VALIDATOR = jsonschema.Draft7Validator(
    {'type': 'object', 'properties': FIELD_SCHEMAS})


def check_fields(body):
    """Check each field of the body on its own, and the required ones."""
    schemas.check_object(body, _VALIDATOR, 'a certificate user',
                         cloud_schema.reason)
    for field in REQUIRED:
        if field not in body:
            raise exception.InvalidField(field, 'is required')
    for field, value in body.items():
        if value is not None:
            cloud_schema.check_name(field, value)


def distinguished_name(field, text):
    """``text`` as Keystone's mapping holds a DN, or a 400 naming ``field``."""
    return dn.normalise(text, field)


def complete(body):
    """The new user's spec: checked, its DNs normalised, its role set."""
    check_fields(body)
    return {'dn': distinguished_name('dn', body['dn']),
            'issuer': distinguished_name('issuer', body['issuer']),
            'project': body['project'],
            'role': body.get('role') or DEFAULT_ROLE,
            'name': body.get('name')}


def query(params):
    """The DNs a list is limited to (``?dn=``, ``?issuer=``), normalised."""
    wanted = {}
    for field in ('dn', 'issuer'):
        values = params.getall(field)
        if len(values) > 1:
            raise exception.InvalidField(field, 'may be given once')
        if values:
            wanted[field] = distinguished_name(field, values[0])
    return wanted
