"""A remote cloud's credentials: its auth types, which of their fields are
secret, how they are stored (secrets encrypted) and how Glint logs in with
them.

A *spec* is the flat dict of a remote cloud's fields, as the API takes it
(see glint_service.api.schemas.clouds).
"""

from keystoneauth1.identity import v3

PASSWORD = 'password'
APPLICATION_CREDENTIAL = 'v3applicationcredential'
AUTH_TYPES = (PASSWORD, APPLICATION_CREDENTIAL)

# The fields of each auth type; of those, the secrets are write-only: stored
# encrypted, never shown back.
AUTH_FIELDS = {
    PASSWORD: ('username', 'password', 'user_domain_name', 'user_domain_id',
               'project_name', 'project_id', 'project_domain_name',
               'project_domain_id'),
    APPLICATION_CREDENTIAL: ('application_credential_id',
                             'application_credential_secret'),
}
SECRET_FIELDS = ('password', 'application_credential_secret')
SHOWN_AUTH_FIELDS = {
    auth_type: tuple(f for f in fields if f not in SECRET_FIELDS)
    for auth_type, fields in AUTH_FIELDS.items()}

# The columns of a stored cloud that are fields of its spec as they are.
_COLUMNS = ('name', 'auth_url', 'region_name', 'auth_type', 'interface',
            'verify', 'cacert')


def to_row(spec, vault):
    """The columns that store ``spec``, its secrets encrypted by ``vault``."""
    fields = AUTH_FIELDS[spec['auth_type']]
    row = {column: spec[column] for column in _COLUMNS}
    row['auth'] = {f: spec[f] for f in fields
                   if f in spec and f not in SECRET_FIELDS}
    row['sealed_secrets'] = vault.encrypt({f: spec[f] for f in fields
                                           if f in SECRET_FIELDS})
    return row


def from_row(cloud, vault):
    """The whole spec of a stored cloud, its secrets decrypted by ``vault``."""
    spec = {column: getattr(cloud, column) for column in _COLUMNS}
    spec.update(cloud.auth)
    spec.update(vault.decrypt(cloud.sealed_secrets))
    return spec


def auth_plugin(spec):
    """A keystoneauth plugin that logs in with a remote cloud's spec."""
    if spec['auth_type'] == APPLICATION_CREDENTIAL:
        return v3.ApplicationCredential(
            auth_url=spec['auth_url'],
            application_credential_id=spec['application_credential_id'],
            application_credential_secret=spec[
                'application_credential_secret'])
    return v3.Password(
        auth_url=spec['auth_url'],
        username=spec['username'],
        password=spec['password'],
        user_domain_name=spec.get('user_domain_name'),
        user_domain_id=spec.get('user_domain_id'),
        project_name=spec.get('project_name'),
        project_id=spec.get('project_id'),
        project_domain_name=spec.get('project_domain_name'),
        project_domain_id=spec.get('project_domain_id'))
