"""What a remote cloud's fields may hold: the body of ``POST
/v1/clouds`` and ``PATCH /v1/clouds/{id}``, checked and completed.

A *spec* is the flat dict the API takes, completed with its defaults; how
it is stored and used is glint_service.clouds.credentials'.
"""

import urllib.parse

from cryptography import exceptions
from cryptography.hazmat.primitives import serialization
from cryptography import x509
import jsonschema

from glint_service.api import schemas
from glint_service.clouds import credentials
from glint_service import exception

CONNECTION_FIELDS = ('auth_url', 'region_name', 'interface', 'verify',
                     'cacert', 'auth_type')
# Where the stored secret would be sent: a change of any of these needs the
# secret again, so that nobody can send a colleague's secret elsewhere.
DESTINATION_FIELDS = ('auth_url', 'auth_type', 'verify', 'cacert',
                      'discovery_endpoint', 'access_token_endpoint')
REQUIRED = {
    credentials.PASSWORD: ('username', 'password'),
    credentials.APPLICATION_CREDENTIAL: (
        'application_credential_id', 'application_credential_secret'),
    credentials.OIDC_CLIENT_CREDENTIALS: (
        'identity_provider', 'client_id', 'client_secret'),
    credentials.OIDC_REFRESH_TOKEN: (
        'identity_provider', 'client_id', 'refresh_token'),
    credentials.X509: ('identity_provider', 'client_cert', 'client_key'),
}
# The federated types' defaults: the protocol as Keystone names it, and the
# OpenID Connect scope asked for with client credentials.
FEDERATED_DEFAULTS = {
    credentials.OIDC_CLIENT_CREDENTIALS: {'protocol': 'openid',
                                          'scope': 'openid'},
    credentials.OIDC_REFRESH_TOKEN: {'protocol': 'openid'},
    credentials.X509: {'protocol': 'x509'},
}
# Where an OpenID Connect provider is asked: one of the two, or none.
OIDC_ENDPOINTS = ('discovery_endpoint', 'access_token_endpoint')
# Longer than a name: URLs, tokens (a JWT refresh token takes a few KiB),
# PEM certificates and keys.
LONG_FIELDS = {'discovery_endpoint': 1024, 'access_token_endpoint': 1024,
               'client_secret': 4096, 'refresh_token': 8192,
               'client_cert': 65536, 'client_key': 65536}
# Fields given by name or by id: at most one of each pair.
EITHER = (('user_domain_name', 'user_domain_id'),
          ('project_name', 'project_id'),
          ('project_domain_name', 'project_domain_id'))

_TEXT = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_OPTIONAL_TEXT = {'type': ['string', 'null'], 'minLength': 1,
                  'maxLength': 255}
FIELD_SCHEMAS = {
    'name': _TEXT,
    'auth_url': {'type': 'string', 'minLength': 1, 'maxLength': 1024},
    'region_name': _OPTIONAL_TEXT,
    'auth_type': {'type': 'string', 'enum': list(credentials.AUTH_TYPES)},
    'interface': {'type': 'string', 'enum': ['public', 'internal', 'admin']},
    'verify': {'type': 'boolean'},
    'cacert': {'type': ['string', 'null'], 'minLength': 1,
               'maxLength': 65536},
}
# Every auth type's fields, once each.
ALL_AUTH_FIELDS = tuple(dict.fromkeys(
    f for fields in credentials.AUTH_FIELDS.values() for f in fields))
for _field in ALL_AUTH_FIELDS:
    FIELD_SCHEMAS[_field] = dict(_OPTIONAL_TEXT,
                                 maxLength=LONG_FIELDS.get(_field, 255))
FIELDS = tuple(FIELD_SCHEMAS)
DEFAULTS = {'auth_type': credentials.PASSWORD, 'interface': 'public',
            'verify': True, 'region_name': None, 'cacert': None}
_VALIDATOR = jsonschema.Draft7Validator(
    {'type': 'object', 'properties': FIELD_SCHEMAS})


def reason(error):
    """Why a field is wrong, in words that never repeat its value."""
    schema = error.schema
    if error.validator == 'type':
        types = schema['type'] if isinstance(schema['type'], list) else [
            schema['type']]
        names = {'string': 'a string', 'boolean': 'true or false',
                 'null': 'null', 'integer': 'a whole number',
                 'array': 'a list', 'object': 'a JSON object'}
        return 'must be %s' % ' or '.join(names[t] for t in types)
    if error.validator == 'minLength':
        return 'must not be empty'
    if error.validator == 'maxLength':
        return 'must be at most %d characters' % schema['maxLength']
    if error.validator == 'enum':
        return 'must be one of: %s' % ', '.join(schema['enum'])
    if error.validator in ('minimum', 'maximum'):
        return 'must be from %d to %d' % (schema.get('minimum', 0),
                                          schema['maximum'])
    if error.validator in ('maxItems', 'maxProperties'):
        return 'must hold at most %d items' % error.validator_value
    return 'is not valid'


def check_name(field, value):
    """A name a person reads: printable text, without spaces at its ends.

    Nova's rule for names: no control or format characters, no line or
    paragraph separators, nothing but a space around it.
    """
    if value != value.strip():
        raise exception.InvalidField(
            field, 'must not begin or end with white space')
    if not all(ch.isprintable() for ch in value):
        raise exception.InvalidField(field, 'must be printable text')


def check_fields(body):
    """Check each field of a request body on its own."""
    schemas.check_object(body, _VALIDATOR, 'a remote cloud', reason)
    if 'name' in body:
        check_name('name', body['name'])


def _check_auth_url(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise exception.InvalidField(
            'auth_url', 'must be an http or https URL with a host')
    if parts.username is not None or parts.password is not None:
        raise exception.InvalidField(
            'auth_url', 'must not hold credentials; use the auth fields')
    if parts.query or parts.fragment:
        raise exception.InvalidField(
            'auth_url', 'must not have a query or a fragment')
    try:
        parts.port
    except ValueError:
        raise exception.InvalidField('auth_url', 'has an invalid port')


def _check_cacert(pem):
    try:
        x509.load_pem_x509_certificates(pem.encode('utf-8'))
    except ValueError:
        raise exception.InvalidField(
            'cacert', 'must be one or more PEM certificates')


def _check_endpoint(field, url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise exception.InvalidField(
            field, 'must be an http or https URL with a host')
    if parts.username is not None or parts.password is not None:
        raise exception.InvalidField(field, 'must not hold credentials')
    try:
        parts.port
    except ValueError:
        raise exception.InvalidField(field, 'has an invalid port')


def _check_client_certificate(spec):
    """A PEM certificate and the PEM private key that goes with it."""
    try:
        certificate = x509.load_pem_x509_certificate(
            spec['client_cert'].encode('utf-8'))
    except ValueError:
        raise exception.InvalidField(
            'client_cert', 'must be a PEM certificate')
    try:
        key = serialization.load_pem_private_key(
            spec['client_key'].encode('utf-8'), password=None)
    except (ValueError, TypeError, exceptions.UnsupportedAlgorithm):
        raise exception.InvalidField(
            'client_key', 'must be a PEM private key without a passphrase')
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.PEM
    if key.public_key().public_bytes(encoding, public) != (
            certificate.public_key().public_bytes(encoding, public)):
        raise exception.InvalidField(
            'client_key', 'is not the key of client_cert')


def _check_federated(spec):
    auth_type = spec['auth_type']
    for field, value in FEDERATED_DEFAULTS[auth_type].items():
        spec.setdefault(field, value)
    if auth_type in (credentials.OIDC_CLIENT_CREDENTIALS,
                     credentials.OIDC_REFRESH_TOKEN):
        given = [f for f in OIDC_ENDPOINTS if f in spec]
        if len(given) != 1:
            raise exception.InvalidField(
                'discovery_endpoint', 'give discovery_endpoint or '
                'access_token_endpoint (one of them) with auth_type %s'
                % auth_type)
        _check_endpoint(given[0], spec[given[0]])
    if auth_type == credentials.X509:
        _check_client_certificate(spec)
    if 'project_name' not in spec and 'project_id' not in spec:
        raise exception.InvalidField(
            'project_name', 'project_name or project_id is required with '
            'auth_type %s' % auth_type)
    if 'project_name' in spec and 'project_domain_id' not in spec:
        spec.setdefault('project_domain_name', 'Default')


def complete(body):
    """The spec of a whole cloud: checked, with its defaults filled in."""
    check_fields(body)
    spec = dict(DEFAULTS)
    spec.update({k: v for k, v in body.items() if v is not None})
    for field in ('name', 'auth_url'):
        if field not in spec:
            raise exception.InvalidField(field, 'is required')
    _check_auth_url(spec['auth_url'])
    if spec['cacert'] is not None:
        _check_cacert(spec['cacert'])
    auth_type = spec['auth_type']
    for field in ALL_AUTH_FIELDS:
        if field in spec and field not in credentials.AUTH_FIELDS[auth_type]:
            raise exception.InvalidField(
                field, 'is not used with auth_type %s' % auth_type)
    for field in REQUIRED[auth_type]:
        if field not in spec:
            raise exception.InvalidField(
                field, 'is required with auth_type %s' % auth_type)
    for by_name, by_id in EITHER:
        if by_name in spec and by_id in spec:
            raise exception.InvalidField(
                by_name, 'give %s or %s, not both' % (by_name, by_id))
    if auth_type in credentials.FEDERATED:
        _check_federated(spec)
    if auth_type == credentials.PASSWORD:
        if 'project_name' not in spec and 'project_id' not in spec:
            raise exception.InvalidField(
                'project_name', 'project_name or project_id is required '
                'with auth_type password')
        if 'user_domain_id' not in spec:
            spec.setdefault('user_domain_name', 'Default')
        if 'project_name' in spec and 'project_domain_id' not in spec:
            spec.setdefault('project_domain_name', 'Default')
    return spec


def merge(stored, patch):
    """The spec of a cloud after a PATCH: ``patch`` over ``stored``.

    A field set to null is removed; a change of auth_type drops the stored
    fields of the old one. A change of where the secret goes (see
    DESTINATION_FIELDS) needs the secret in ``patch``.
    """
    check_fields(patch)
    moved = [f for f in DESTINATION_FIELDS
             if f in patch and patch[f] != stored.get(f)]
    if moved:
        auth_type = patch.get('auth_type') or stored['auth_type']
        for secret in credentials.AUTH_FIELDS[auth_type]:
            needed = secret in REQUIRED[auth_type] or stored.get(secret)
            if secret in credentials.SECRET_FIELDS and needed and (
                    not patch.get(secret)):
                raise exception.InvalidField(
                    secret, 'must be given again to change %s'
                    % ', '.join(moved))
    merged = dict(stored)
    for pair in (OIDC_ENDPOINTS,):
        if any(patch.get(f) for f in pair):
            for field in pair:
                merged.pop(field, None)
    new_type = patch.get('auth_type')
    if new_type and new_type != stored['auth_type']:
        for field in credentials.AUTH_FIELDS[stored['auth_type']]:
            merged.pop(field, None)
    for pair in EITHER:
        given = [f for f in pair if f in patch]
        if len(given) == 1:
            for field in pair:
                merged.pop(field, None)
    for field, value in patch.items():
        if value is None:
            merged.pop(field, None)
        else:
            merged[field] = value
    return complete(merged)


def connection_changed(stored, spec):
    """Whether reaching the cloud must be checked again."""
    fields = CONNECTION_FIELDS + credentials.AUTH_FIELDS[spec['auth_type']]
    return any(stored.get(f) != spec.get(f) for f in fields)
