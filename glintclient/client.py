"""Glint's REST API v1, for the openstack command and the dashboard.

The one module that talks HTTP to Glint: through a keystoneauth session, to
the endpoint of service type ``image-distribution`` in the catalog (or the
one given). It is the one place that knows Glint's URLs, its error
document, the local cloud's id, the fields that hold credentials and how far
a migration's target is. Glint's errors become :class:`GlintError` with
Glint's own words.
"""

import hashlib
import os
import urllib.parse

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exc

from glintclient import states

SERVICE_TYPE = 'image-distribution'
LOCAL = 'local'
# The source of a migration whose data the client sends (an upload).
UPLOAD = 'upload'
# The source of a migration from a web link (its source_link).
URL = 'url'

# A remote cloud's auth types, and the fields of each that hold its
# credentials (a request's field names, and the keys of clouds.yaml).
PASSWORD = 'password'
APPLICATION_CREDENTIAL = 'v3applicationcredential'
OIDC_CLIENT_CREDENTIALS = 'v3oidcclientcredentials'
OIDC_REFRESH_TOKEN = 'v3oidcrefreshtoken'
X509 = 'v3x509'
_PROJECT = ('project_name', 'project_id', 'project_domain_name',
            'project_domain_id')
AUTH_FIELDS = {
    PASSWORD: ('username', 'password', 'user_domain_name', 'user_domain_id')
    + _PROJECT,
    APPLICATION_CREDENTIAL: ('application_credential_id',
                             'application_credential_secret'),
    OIDC_CLIENT_CREDENTIALS: (
        'identity_provider', 'protocol', 'discovery_endpoint',
        'access_token_endpoint', 'client_id', 'client_secret', 'scope')
    + _PROJECT,
    OIDC_REFRESH_TOKEN: (
        'identity_provider', 'protocol', 'discovery_endpoint',
        'access_token_endpoint', 'client_id', 'client_secret',
        'refresh_token', 'scope') + _PROJECT,
    X509: ('identity_provider', 'protocol', 'client_cert', 'client_key')
    + _PROJECT,
}
# Write-only: Glint never shows them back.
SECRET_FIELDS = ('password', 'application_credential_secret',
                 'client_secret', 'refresh_token', 'client_key')
# The bytes of image data read and written at once.
CHUNK_SIZE = 1024 * 1024
# Where a download is written until it is whole and verified.
PART_SUFFIX = '.part'


def target_progress(target, size):
    """How far a migration's target is: (bytes done, percent).

    One definition for the command line and the dashboard: a target that is
    verifying, succeeded or skipped has all of the image's bytes.
    """
    done = target.get('bytes_written') or 0
    if target.get('status') in states.ALL_SENT and size:
        done = size
    percent = min(100, int(done * 100 / size)) if size else 0
    return done, percent


def link_file_name(url):
    """The default name of an image from a web link: its file's name.

    Without the extension of a compression.
    """
    name = urllib.parse.unquote(
        urllib.parse.urlsplit(url).path.rstrip('/').rsplit('/', 1)[-1])
    for extension in ('.gz', '.xz', '.bz2'):
        if name.endswith(extension):
            return name[:-len(extension)]
    return name or url


class GlintError(Exception):
    """Glint refused a request, or could not be reached.

    ``detail`` is Glint's own words (the ``detail`` of its error document),
    ``status`` the HTTP status (None when Glint did not answer), ``code``
    Glint's error code (``glint.invalid_field``...), if it gave one.
    ``str()`` adds the status and the request id.
    """

    def __init__(self, message, status=None, detail=None, code=None,
                 request_id=None):
        super().__init__(message)
        self.status = status
        self.detail = detail or message
        self.code = code
        self.request_id = request_id


def _error(response):
    """A GlintError with the detail of Glint's error document."""
    code = None
    try:
        error = response.json()['errors'][0]
        detail = error.get('detail') or error.get('title')
        code = error.get('code')
        request_id = error.get('request_id')
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        detail = response.text.strip()[:300] or response.reason
        request_id = response.headers.get('X-OpenStack-Request-ID')
    where = 'HTTP %d' % response.status_code
    if request_id:
        where += ', request %s' % request_id
    return GlintError('%s (%s)' % (detail, where), status=response.status_code,
                      detail=detail, code=code, request_id=request_id)


def _path(*segments):
    """A path of Glint's API, each segment after the first escaped."""
    return '/'.join((segments[0],) + tuple(
        urllib.parse.quote(s, safe='') for s in segments[1:]))


def upload_path(migration_id):
    """Where an upload's data is sent (PUT), under Glint's endpoint."""
    return _path('/v1/migrations', migration_id, 'file')


class Client(object):
    """Glint's API through a keystoneauth session."""

    def __init__(self, session, interface=None, region_name=None,
                 endpoint_override=None):
        self.interface = interface
        self.region_name = region_name
        self.http = adapter.Adapter(
            session, service_type=SERVICE_TYPE, interface=interface,
            region_name=region_name, endpoint_override=endpoint_override)

    def request(self, method, path, body=None, params=None):
        # A body with a secret is kept out of the debug log.
        secret = bool(body) and any(body.get(f) for f in SECRET_FIELDS)
        response = self._send(method, path, json=body, params=params,
                              log=not secret)
        if response.status_code >= 400:
            raise _error(response)
        return response.json() if response.content else None

    def _send(self, method, path, **kwargs):
        try:
            return self.http.request(path, method, raise_exc=False, **kwargs)
        except ks_exc.EndpointNotFound:
            raise GlintError(
                'Glint is not in the catalog of this cloud: no endpoint of '
                'service type %s for interface %s in region %s.'
                % (SERVICE_TYPE, self.interface or 'public',
                   self.region_name or '(any)'))
        except ks_exc.ConnectionError as error:
            raise GlintError('Glint could not be reached: %s' % error)

    # Remote clouds.

    def list_clouds(self, all_projects=False):
        params = {'all_projects': 'true'} if all_projects else None
        return self.request('GET', '/v1/clouds', params=params)['clouds']

    def create_cloud(self, fields):
        return self.request('POST', '/v1/clouds', fields)

    def get_cloud(self, cloud_id):
        return self.request('GET', _path('/v1/clouds', cloud_id))

    def update_cloud(self, cloud_id, fields):
        return self.request('PATCH', _path('/v1/clouds', cloud_id), fields)

    def delete_cloud(self, cloud_id):
        self.request('DELETE', _path('/v1/clouds', cloud_id))

    def check_cloud(self, cloud_id):
        """Whether a remote cloud answers: ``{"reachable", "error"}``.

        Glint logs in to it and asks its Glance for one image.
        """
        return self.request('GET', _path('/v1/clouds', cloud_id, 'check'))

    def find_cloud(self, name_or_id):
        """The project's remote cloud with this id, or else this name."""
        clouds = self.list_clouds()
        for key in ('id', 'name'):
            found = [c for c in clouds if c[key] == name_or_id]
            if found:
                return found[0]
        raise GlintError('No remote cloud named or with id %s.'
                         % name_or_id, status=404)

    def find_cloud_id(self, name_or_id):
        """``local``, or the id of a remote cloud given by name or id."""
        if name_or_id == LOCAL:
            return LOCAL
        return self.find_cloud(name_or_id)['id']

    def cloud_names(self):
        """Cloud id -> name, ``local`` included."""
        names = {c['id']: c['name'] for c in self.list_clouds()}
        names[LOCAL] = LOCAL
        return names

    # Users who log in with a certificate (an admin's).

    def list_x509_users(self, dn=None, issuer=None):
        """Every certificate user, or those with this DN (and issuer).

        Glint compares the DNs in its normalised form: any written form
        of a DN finds its user.
        """
        params = {k: v for k, v in (('dn', dn), ('issuer', issuer)) if v}
        return self.request('GET', '/v1/x509/users',
                            params=params or None)['users']

    def create_x509_user(self, fields):
        """Let a certificate's DN, of a CA set up in Keystone, log in.

        ``fields``: ``dn``, ``issuer``, ``project`` (name or id), and
        optionally ``role`` (``member``) and ``name``.
        """
        return self.request('POST', '/v1/x509/users', fields)

    def get_x509_user(self, user_id):
        return self.request('GET', _path('/v1/x509/users', user_id))

    def delete_x509_user(self, user_id):
        self.request('DELETE', _path('/v1/x509/users', user_id))

    def find_x509_user(self, dn, issuer=None):
        """The certificate user with this DN, of this issuer if given.

        A DN that more than one CA issued needs its issuer.
        """
        users = self.list_x509_users(dn=dn, issuer=issuer)
        if not users:
            raise GlintError('No certificate user has the DN %s%s.'
                             % (dn, ' of issuer %s' % issuer if issuer
                                else ''), status=404)
        if len(users) > 1:
            raise GlintError(
                '%d certificate users have the DN %s, from different CAs: '
                'give the issuer, one of: %s.'
                % (len(users), dn, '; '.join(u['issuer'] for u in users)))
        return users[0]

    # Images across clouds.

    def list_images(self, cloud_ids=None):
        params = {'cloud': list(cloud_ids)} if cloud_ids else None
        return self.request('GET', '/v1/images', params=params)

    # Migrations.

    def create_migration(self, fields):
        return self.request('POST', '/v1/migrations', fields)

    def list_migrations(self, status=None, all_projects=False):
        """Every migration, newest first, page after page."""
        params = {}
        if status:
            params['status'] = status
        if all_projects:
            params['all_projects'] = 'true'
        migrations = []
        while True:
            page = self.request('GET', '/v1/migrations',
                                params=dict(params) or None)
            migrations.extend(page['migrations'])
            if not page.get('next'):
                return migrations
            # The next page: the same query, after the last one listed.
            query = urllib.parse.parse_qs(
                urllib.parse.urlsplit(page['next']).query)
            params['marker'] = query['marker'][0]

    def get_migration(self, migration_id):
        return self.request('GET', _path('/v1/migrations', migration_id))

    def delete_migration(self, migration_id):
        """Cancel a running migration, or remove an ended one's record.

        Returns the cancelled migration, or None for a removed record.
        """
        return self.request('DELETE', _path('/v1/migrations', migration_id))

    # Image data.

    def download_link(self, cloud_id, image_id):
        """A link that downloads an image without a token, for a while.

        Returns ``{"url", "expires_at"}``, ``url`` absolute.
        """
        link = self.request('POST', _path('/v1/clouds', cloud_id, 'images',
                                          image_id, 'download_links'))
        # A path (Glint without [api] public_endpoint) is on its host.
        link['url'] = urllib.parse.urljoin(self.http.get_endpoint(),
                                           link['url'])
        return link

    def upload_image(self, fields, path, progress=None):
        """Upload a file once to the clouds of ``fields['targets']``.

        ``fields``: an upload's request (name, disk_format...), to which
        the file's size is added. The data is streamed from the file as it
        is sent; ``progress(sent, size)`` is called on the way. Returns the
        migration once it has ended.
        """
        size = os.path.getsize(path)
        migration = self.create_migration(dict(fields, source=UPLOAD,
                                               size=size))
        with open(path, 'rb') as data:
            response = self._send(
                'PUT', upload_path(migration['id']),
                data=_Sent(data, size, progress), log=False,
                headers={'Content-Type': 'application/octet-stream'})
        if response.status_code >= 400:
            raise _error(response)
        return response.json()

    def save_image(self, cloud_id, image_id, path, progress=None):
        """Download an image of a cloud to the file ``path``, verified.

        Written to PATH.part first, renamed once whole and its hash checked
        against the one Glint gives: a download cut short is resumed from
        where its part ends (with a Range), the next time. A part that does
        not hash right is removed. ``progress(done, size)`` is called as
        the bytes come. Returns the image's size.
        """
        part = path + PART_SUFFIX
        have = os.path.getsize(part) if os.path.exists(part) else 0
        # From the part's last byte, compared on the way: a part already
        # whole is still answered with a range, not a 416.
        start = max(have - 1, 0)
        headers = {'Range': 'bytes=%d-' % start} if have else {}
        response = self._send(
            'GET', _path('/v1/clouds', cloud_id, 'images', image_id, 'file'),
            headers=headers, stream=True, log=False)
        with response:
            if response.status_code >= 400:
                raise _error(response)
            if response.status_code != 206:
                start = have = 0
            algo = response.headers.get('OpenStack-Image-Hash-Algo')
            expected = response.headers.get('OpenStack-Image-Hash-Value')
            digest = _digest(algo)
            size = start + int(response.headers['Content-Length'])
            with open(part, 'r+b' if have else 'w+b') as out:
                _hash_part(out, start, digest)
                last = out.read(1)
                out.seek(start)
                chunks = response.iter_content(CHUNK_SIZE)
                try:
                    _write(chunks, out, last, digest, start, size, progress)
                except OSError as error:
                    raise GlintError(
                        'The download of image %s stopped: %s. Run the '
                        'same command again to resume it.' % (image_id, error))
        if digest is not None and digest.hexdigest() != expected:
            os.remove(part)
            raise GlintError(
                'The data of image %s does not have its %s hash (%s): the '
                'file is removed.' % (image_id, algo, expected))
        os.replace(part, path)
        return size


def _digest(algo):
    """A hashlib object for an algorithm of Glance's, or None."""
    if algo in hashlib.algorithms_guaranteed:
        return hashlib.new(algo)
    return None


def _hash_part(out, end, digest):
    """Hash the first ``end`` bytes of ``out``; leave it at ``end``."""
    while out.tell() < end:
        chunk = out.read(min(CHUNK_SIZE, end - out.tell()))
        if not chunk:
            raise GlintError('The partial file shrank while it was read.')
        if digest is not None:
            digest.update(chunk)


def _write(chunks, out, last, digest, done, size, progress):
    """Write ``chunks`` to ``out``, each hashed; the first byte checked.

    ``last``: the part's last byte, which the answer starts with again.
    """
    for chunk in chunks:
        if last:
            if chunk[:1] != last:
                raise GlintError('The partial file %s is not of this image: '
                                 'remove it, and download it again.'
                                 % out.name)
            last = b''
        if digest is not None:
            digest.update(chunk)
        out.write(chunk)
        done += len(chunk)
        if progress is not None:
            progress(done, size)
    out.truncate()
    if done != size:
        raise OSError('%d of %d bytes came' % (done, size))


class _Sent(object):
    """A file as a request body of known length, its progress told."""

    def __init__(self, data, size, progress):
        self.data = data
        self.size = size
        self.progress = progress
        self.sent = 0

    def __len__(self):
        return self.size

    def read(self, size=-1):
        chunk = self.data.read(size)
        self.sent += len(chunk)
        if self.progress is not None:
            self.progress(self.sent, self.size)
        return chunk
