"""Glint's own exceptions. Each one knows the HTTP answer it becomes.

The ``detail`` of an error is shown to the client: it names the field and the
reason, and never holds a secret.
"""


class GlintError(Exception):
    status = 500
    title = 'Internal Server Error'
    code = 'glint.internal_error'

    def __init__(self, detail, headers=None):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class BadRequest(GlintError):
    status = 400
    title = 'Bad Request'
    code = 'glint.bad_request'


class InvalidField(BadRequest):
    code = 'glint.invalid_field'

    def __init__(self, field, reason):
        super().__init__('%s: %s' % (field, reason))
        self.field = field


class TextNotStorable(InvalidField):
    """Text that Glint's database cannot store, though valid.

    A MySQL database in utf8mb3 (DevStack's "utf8") has no characters
    beyond U+FFFF: it refuses an emoji, and so does Glint.
    """

    def __init__(self, field):
        super().__init__(
            field, "characters beyond U+FFFF, such as emoji, cannot be "
                   "stored by this deployment's database (MySQL's "
                   "utf8mb3); its operator can convert it to utf8mb4")


class InvalidDN(InvalidField):
    """A distinguished name (DN) that cannot be read (see dn.py)."""
    code = 'glint.invalid_dn'

    def __init__(self, field, reason):
        super().__init__(field, 'not a distinguished name (DN): %s' % reason)


class RemoteCloudRejected(BadRequest):
    """The remote cloud could not be used: unreachable, refused, no Glance."""
    code = 'glint.remote_cloud_rejected'


class Forbidden(GlintError):
    status = 403
    title = 'Forbidden'
    code = 'glint.forbidden'


class QuotaExceeded(Forbidden):
    code = 'glint.quota_exceeded'

    def __init__(self, what, limit, option):
        super().__init__(
            'quota: the project has %d %s already, its limit ([quota] %s)'
            % (limit, what, option))


class NotFound(GlintError):
    status = 404
    title = 'Not Found'
    code = 'glint.not_found'


class MethodNotAllowed(GlintError):
    status = 405
    title = 'Method Not Allowed'
    code = 'glint.method_not_allowed'

    def __init__(self, method, allowed):
        super().__init__('%s is not allowed here; allowed: %s'
                         % (method, ', '.join(allowed)),
                         headers={'Allow': ', '.join(allowed)})


class RangeNotSatisfiable(GlintError):
    """A byte range that starts past an image's end."""
    status = 416
    title = 'Range Not Satisfiable'
    code = 'glint.range_not_satisfiable'

    def __init__(self, size):
        super().__init__('The image has %d bytes: the range asked for '
                         'starts past its end.' % size,
                         headers={'Content-Range': 'bytes */%d' % size})


class RequestTimeout(GlintError):
    status = 408
    title = 'Request Timeout'
    code = 'glint.request_timeout'


class Conflict(GlintError):
    status = 409
    title = 'Conflict'
    code = 'glint.conflict'


class CertificateUserExists(Conflict):
    """A DN from a CA that is mapped to a user already."""
    code = 'glint.certificate_user_exists'


class IdentityProviderConflict(Conflict):
    """A CA whose DN another identity provider of Keystone has already."""
    code = 'glint.identity_provider_conflict'


class KeyFileError(GlintError):
    """The credential key file is missing or holds no valid key."""
    code = 'glint.key_file'


class SecretsUnreadable(GlintError):
    """Stored secrets do not open with the keys in the key file."""
    code = 'glint.secrets_unreadable'


class ServiceUnavailable(GlintError):
    status = 503
    title = 'Service Unavailable'
    code = 'glint.service_unavailable'


class LeaseLost(GlintError):
    """An engine's claim on a migration is no longer its own.

    Its lease ran out while the engine was paused or cut off, and another
    engine took the migration over: the first one writes nothing more.
    """

    def __init__(self, migration_id):
        super().__init__('Migration %s is no longer this engine\'s: its '
                         'lease ran out.' % migration_id)


class DatabaseUnavailable(ServiceUnavailable):
    """Glint's database cannot be reached (the reason is in the log)."""

    def __init__(self):
        super().__init__("Glint's database cannot be reached; try again "
                         "later.", headers={'Retry-After': '10'})
