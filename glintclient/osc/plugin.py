"""The openstack command's plugin for Glint (``openstack glint ...``).

Found through the ``openstack.cli.extension`` entry point; its commands are
the ``openstack.glint.v1`` entry points.
"""

from osc_lib import utils

from glintclient import client

API_NAME = 'glint'
API_VERSION_OPTION = 'os_glint_api_version'
DEFAULT_API_VERSION = '1'
API_VERSIONS = ('1',)


def make_client(instance):
    """Glint's client on the session, interface and region of the command."""
    return client.Client(instance.session, interface=instance.interface,
                         region_name=instance.region_name)


def build_option_parser(parser):
    parser.add_argument(
        '--os-glint-api-version', metavar='<glint-api-version>',
        default=utils.env('OS_GLINT_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='Glint API version, default=%s (Env: OS_GLINT_API_VERSION)'
             % DEFAULT_API_VERSION)
    return parser
