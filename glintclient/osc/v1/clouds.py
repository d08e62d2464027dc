"""openstack glint cloud create | list | show | set | delete"""

from openstack import config as os_config
from openstack import exceptions as os_exceptions
from osc_lib.command import command
from osc_lib import exceptions
from osc_lib import utils

from glintclient import client

# The options that set a field of a remote cloud: option, field, help.
TEXT_OPTIONS = (
    ('--auth-url', 'auth_url',
     "The remote Keystone's v3 URL, such as "
     "https://keystone.example.org:5000/v3"),
    ('--region', 'region_name',
     'The region of the remote Glance (default: any)'),
    ('--username', 'username', 'The remote user (auth type password)'),
    ('--user-domain-name', 'user_domain_name',
     "The remote user's domain (default: Default)"),
    ('--user-domain-id', 'user_domain_id', "The remote user's domain id"),
    ('--project-name', 'project_name', 'The remote project'),
    ('--project-id', 'project_id', "The remote project's id"),
    ('--project-domain-name', 'project_domain_name',
     "The remote project's domain (default: Default)"),
    ('--project-domain-id', 'project_domain_id',
     "The remote project's domain id"),
    ('--application-credential-id', 'application_credential_id',
     'The remote application credential (auth type '
     'v3applicationcredential)'),
    ('--identity-provider', 'identity_provider',
     "The identity provider in the remote Keystone (auth types "
     "v3oidcclientcredentials, v3oidcrefreshtoken, v3x509)"),
    ('--protocol', 'protocol',
     "The remote Keystone's federation protocol (default: openid, or x509 "
     "for v3x509)"),
    ('--discovery-endpoint', 'discovery_endpoint',
     "The OpenID Connect provider's discovery document URL "
     "(.../.well-known/openid-configuration)"),
    ('--access-token-endpoint', 'access_token_endpoint',
     "The OpenID Connect provider's token endpoint, instead of discovery"),
    ('--client-id', 'client_id', 'The OpenID Connect client id'),
    ('--openid-scope', 'scope',
     'The OpenID Connect scope asked for (default with client credentials: '
     'openid)'),
)
SECRET_OPTIONS = (
    ('--password', 'password',
     "The remote user's password (never shown; see also "
     "--password-prompt)"),
    ('--application-credential-secret', 'application_credential_secret',
     "The application credential's secret (never shown)"),
    ('--client-secret', 'client_secret',
     'The OpenID Connect client secret (never shown)'),
    ('--refresh-token', 'refresh_token',
     'The OpenID Connect refresh token (auth type v3oidcrefreshtoken; '
     'never shown)'),
)
# Options that name a file whose content is the field.
FILE_OPTIONS = (
    ('--client-cert', 'client_cert',
     'A PEM file of the client certificate (auth type v3x509)'),
    ('--client-key', 'client_key',
     "A PEM file of the client certificate's private key, without a "
     "passphrase (auth type v3x509; sent to Glint, stored encrypted, never "
     "shown)"),
)
FIELDS = [field for _, field, _ in TEXT_OPTIONS + SECRET_OPTIONS] + [
    'auth_type', 'interface', 'verify']
LIST_COLUMNS = ('id', 'name', 'auth_url', 'region_name', 'auth_type',
                'credentials', 'image_endpoint')
LIST_HEADERS = ('ID', 'Name', 'Auth URL', 'Region', 'Auth Type',
                'Credentials', 'Image Endpoint')


class Secret(str):
    """A secret option's value: shown as *** where the options are logged."""

    def __repr__(self):
        return "'***'"


def add_cloud_options(parser):
    for option, field, text in TEXT_OPTIONS:
        parser.add_argument(option, dest=field,
                            metavar='<%s>' % option[2:], help=text)
    for option, field, text in SECRET_OPTIONS:
        parser.add_argument(option, dest=field, type=Secret,
                            metavar='<%s>' % option[2:], help=text)
    for option, field, text in FILE_OPTIONS:
        parser.add_argument(option, dest=field + '_file', metavar='<file>',
                            help=text)
    parser.add_argument('--password-prompt', action='store_true',
                        help="Prompt for the remote user's password")
    parser.add_argument('--auth-type',
                        choices=tuple(client.AUTH_FIELDS),
                        help='How Glint logs in to the remote cloud '
                             '(default: password)')
    parser.add_argument('--interface',
                        choices=('public', 'internal', 'admin'),
                        help="The interface of the remote Glance's "
                             "endpoint (default: public)")
    verify = parser.add_mutually_exclusive_group()
    verify.add_argument('--tls-verify', dest='verify', action='store_true',
                        default=None,
                        help="Verify the remote cloud's TLS certificates "
                             "(default)")
    verify.add_argument('--no-tls-verify', dest='verify',
                        action='store_false',
                        help="Do not verify the remote cloud's TLS "
                             "certificates")
    parser.add_argument('--cacert', metavar='<ca-file>',
                        help='A PEM file of the CA certificates that sign '
                             "the remote cloud's certificates")


def read_cacert(path, what='cacert'):
    try:
        with open(path) as f:
            return f.read()
    except OSError as error:
        raise exceptions.CommandError('%s %s: %s' % (what, path,
                                                     error.strerror))


def given_fields(parsed_args, stdin):
    """The fields of a remote cloud given as options."""
    fields = {f: getattr(parsed_args, f) for f in FIELDS
              if getattr(parsed_args, f) is not None}
    if parsed_args.cacert:
        fields['cacert'] = read_cacert(parsed_args.cacert)
    for _, field, _ in FILE_OPTIONS:
        path = getattr(parsed_args, field + '_file')
        if path:
            text = read_cacert(path, field)
            fields[field] = Secret(text) if (
                field in client.SECRET_FIELDS) else text
    if parsed_args.password_prompt:
        fields['password'] = utils.get_password(stdin)
    return fields


def v3_url(url):
    """A Keystone URL as Glint wants it: its v3 URL."""
    url = url.rstrip('/')
    return url if url.endswith('/v3') else url + '/v3'


# The auth types the openstack command itself knows, whose entries are read
# (and checked) as it reads them; Glint's others are read as they are.
VALIDATED = ('password', 'v3password', client.APPLICATION_CREDENTIAL,
             client.OIDC_CLIENT_CREDENTIALS)


def fields_from_clouds_yaml(name):
    """The fields of a remote cloud from an entry of the user's clouds.yaml.

    The entry is read the way the openstack command reads it
    (OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/, secure.yaml).
    """
    config = os_config.OpenStackConfig()
    try:
        entry = config.get_one(name, validate=False).config
        auth_type = entry.get('auth_type') or client.PASSWORD
        if auth_type in VALIDATED:
            # Read as the openstack command reads it.
            entry = config.get_one(name).config
    except os_exceptions.ConfigException as error:
        raise exceptions.CommandError('--from-clouds-yaml %s: %s'
                                      % (name, error))
    if auth_type in ('password', 'v3password'):
        auth_type = client.PASSWORD
    if auth_type not in client.AUTH_FIELDS:
        raise exceptions.CommandError(
            '--from-clouds-yaml %s: auth type %s is not one Glint can use '
            '(%s).' % (name, auth_type, ', '.join(client.AUTH_FIELDS)))
    auth = {key.replace('-', '_'): value
            for key, value in (entry.get('auth') or {}).items()}
    if auth.get('openid_scope'):
        auth.setdefault('scope', auth['openid_scope'])
    if not auth.get('auth_url'):
        raise exceptions.CommandError('--from-clouds-yaml %s: the entry has '
                                      'no auth_url.' % name)
    fields = {f: auth[f] for f in client.AUTH_FIELDS[auth_type]
              if auth.get(f)}
    if auth_type == client.X509:
        # clouds.yaml names the files, beside auth: cert and key.
        for field, key in (('client_cert', 'cert'), ('client_key', 'key')):
            if entry.get(key):
                fields[field] = read_cacert(entry[key], key)
    fields.update(auth_type=auth_type, auth_url=v3_url(auth['auth_url']))
    if entry.get('region_name'):
        fields['region_name'] = entry['region_name']
    if entry.get('interface') in ('public', 'internal', 'admin'):
        fields['interface'] = entry['interface']
    if entry.get('verify') is False:
        fields['verify'] = False
    if entry.get('cacert'):
        fields['cacert'] = read_cacert(entry['cacert'])
    return fields


def show_fields(cloud):
    """A cloud's fields, sorted, never a secret."""
    shown = {k: v for k, v in cloud.items() if k not in client.SECRET_FIELDS}
    return tuple(zip(*sorted(shown.items())))


class CreateCloud(command.ShowOne):
    """Add a remote cloud to the project.

    Glint logs in to the remote cloud with these credentials and finds its
    Glance before anything is stored.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Name of the remote cloud in this project')
        parser.add_argument(
            '--from-clouds-yaml', metavar='<cloud>',
            help='Take the remote cloud\'s auth URL, region, interface, TLS '
                 'settings and credentials from this entry of your '
                 'clouds.yaml; the other options override them')
        add_cloud_options(parser)
        return parser

    def take_action(self, parsed_args):
        fields = {}
        if parsed_args.from_clouds_yaml:
            fields = fields_from_clouds_yaml(parsed_args.from_clouds_yaml)
        fields.update(given_fields(parsed_args, self.app.stdin))
        fields['name'] = parsed_args.name
        if 'auth_url' not in fields:
            raise exceptions.CommandError(
                'Give --auth-url, or --from-clouds-yaml.')
        return show_fields(self.app.client_manager.glint.create_cloud(fields))


class ListClouds(command.Lister):
    """List the project's remote clouds."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--all-projects', action='store_true',
                            help='The remote clouds of every project '
                                 '(admin only)')
        return parser

    def take_action(self, parsed_args):
        glint = self.app.client_manager.glint
        clouds = glint.list_clouds(all_projects=parsed_args.all_projects)
        columns, headers = LIST_COLUMNS, LIST_HEADERS
        if parsed_args.all_projects:
            columns += ('project_id',)
            headers += ('Project',)
        return headers, (utils.get_dict_properties(c, columns)
                         for c in clouds)


class ShowCloud(command.ShowOne):
    """Show a remote cloud (never its secrets)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('cloud', metavar='<cloud>',
                            help='Remote cloud (name or id)')
        return parser

    def take_action(self, parsed_args):
        return show_fields(self.app.client_manager.glint.find_cloud(
            parsed_args.cloud))


class CheckCloud(ShowCloud):
    """Check that a remote cloud answers, as a migration would reach it.

    Glint logs in to it afresh with the stored credentials and asks its
    Glance for one image. A cloud that does not answer is an error (exit
    status 1) saying why, in Glint's words. Its argument is show's.
    """

    def take_action(self, parsed_args):
        glint = self.app.client_manager.glint
        cloud = glint.find_cloud(parsed_args.cloud)
        checked = glint.check_cloud(cloud['id'])
        if not checked['reachable']:
            raise exceptions.CommandError('Remote cloud %s does not answer: '
                                          '%s' % (cloud['name'],
                                                  checked['error']))
        return ('id', 'name', 'reachable'), (cloud['id'], cloud['name'],
                                             True)


class SetCloud(command.Command):
    """Change a remote cloud.

    When a connection field changes, Glint logs in to the remote cloud again
    before anything is stored.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('cloud', metavar='<cloud>',
                            help='Remote cloud to change (name or id)')
        parser.add_argument('--name', metavar='<name>', help='New name')
        add_cloud_options(parser)
        return parser

    def take_action(self, parsed_args):
        fields = given_fields(parsed_args, self.app.stdin)
        if parsed_args.name:
            fields['name'] = parsed_args.name
        if not fields:
            raise exceptions.CommandError('Nothing to change.')
        glint = self.app.client_manager.glint
        glint.update_cloud(glint.find_cloud(parsed_args.cloud)['id'], fields)


class DeleteCloud(command.Command):
    """Delete remote clouds from the project (not their images)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('clouds', metavar='<cloud>', nargs='+',
                            help='Remote cloud(s) to delete (name or id)')
        return parser

    def take_action(self, parsed_args):
        glint = self.app.client_manager.glint
        failed = 0
        for name_or_id in parsed_args.clouds:
            try:
                glint.delete_cloud(glint.find_cloud(name_or_id)['id'])
            except client.GlintError as error:
                failed += 1
                self.log.error('Remote cloud %s: %s', name_or_id, error)
        if failed:
            raise exceptions.CommandError(
                '%d of %d remote clouds failed to delete.'
                % (failed, len(parsed_args.clouds)))
