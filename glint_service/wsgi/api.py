"""The WSGI entry point: ``glint_service.wsgi.api:application``.

The configuration files are those named in OS_GLINT_CONFIG_FILES (separated
by ";"), by default /etc/glint/glint.conf.
"""

from oslo_log import log as logging

from glint_service.api import deploy
from glint_service import conf as glint_conf
from glint_service import exception

LOG = logging.getLogger(__name__)


def init_application():
    conf = glint_conf.load(glint_conf.default_config_files())
    logging.setup(conf, 'glint')
    try:
        return deploy.loadapp(conf)
    except exception.GlintError as error:
        LOG.critical('Glint cannot start: %s', error.detail)
        raise


application = init_application()
