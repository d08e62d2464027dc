"""A cloud's and a migration's public shape: what the API answers and what
notifications carry. Never a secret, never a trust."""

from glint_service.clouds import credentials


def iso(when):
    """A time from the database as ISO 8601 in UTC, or None."""
    return when.strftime('%Y-%m-%dT%H:%M:%SZ') if when else None


def cloud(row):
    """A stored remote cloud, without its secrets.

    The remote project's id is shown as remote_project_id, since project_id
    is the owner's.
    """
    shown = {
        'id': row.id,
        'name': row.name,
        'project_id': row.project_id,
        'created_by': row.created_by,
        'auth_url': row.auth_url,
        'region_name': row.region_name,
        'auth_type': row.auth_type,
        'interface': row.interface,
        'verify': row.verify,
        'cacert': row.cacert,
        'image_endpoint': row.image_endpoint,
        'created_at': iso(row.created_at),
        'updated_at': iso(row.updated_at),
    }
    shown.update(credentials_state(row))
    for field in credentials.SHOWN_AUTH_FIELDS[row.auth_type]:
        name = 'remote_project_id' if field == 'project_id' else field
        shown[name] = row.auth.get(field)
    return shown


def credentials_state(row):
    """Whether the remote end took the cloud's credentials at last login.

    ``refused``, with when and why (in Glint's words), until they are
    replaced or a login with them works again.
    """
    refused = row.credentials_refused_at is not None
    return {
        'credentials': (credentials.CREDENTIALS_REFUSED if refused
                        else credentials.CREDENTIALS_OK),
        'credentials_refused_at': iso(row.credentials_refused_at),
        'credentials_refused_reason': row.credentials_refused_reason,
    }


def migration(row):
    """A migration and its targets."""
    return {
        'id': row.id,
        'image_id': row.image_id,
        'image_name': row.image_name,
        'source': row.source,
        'source_link': row.source_link,
        'name': row.name,
        'visibility': row.visibility,
        'on_conflict': row.on_conflict,
        'size': row.size,
        'status': row.status,
        'bytes_read': row.bytes_read,
        'error': row.error,
        'created_by': row.created_by,
        'project_id': row.project_id,
        'created_at': iso(row.created_at),
        'updated_at': iso(row.updated_at),
        'finished_at': iso(row.finished_at),
        'targets': [{'cloud_id': t.cloud_id, 'status': t.status,
                     'image_id': t.image_id,
                     'bytes_written': t.bytes_written, 'error': t.error}
                    for t in row.targets],
    }


X509_USER_FIELDS = ('id', 'dn', 'issuer', 'identity_provider', 'user_name',
                    'project_id', 'role')


def x509_user(user):
    """A user who logs in with a certificate: its DNs and where it goes.

    ``id`` is its Keystone user's.
    """
    return {field: user.get(field) for field in X509_USER_FIELDS}
