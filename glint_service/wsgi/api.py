"""The WSGI entry point: ``glint_service.wsgi.api:application``.

The configuration files are those named in OS_GLINT_CONFIG_FILES (separated
by ";"), by default /etc/glint/glint.conf.
"""

import os

from oslo_log import log as logging

from glint_service import conf as glint_conf
from glint_service import deploy
from glint_service import exception

LOG = logging.getLogger(__name__)


def init_application():
    files = os.environ.get('OS_GLINT_CONFIG_FILES')
    config_files = (files.split(';') if files
                    else glint_conf.DEFAULT_CONFIG_FILES)
    conf = glint_conf.load(config_files)
    logging.setup(conf, 'glint')
    try:
        return deploy.loadapp(conf)
    except exception.GlintError as error:
        LOG.critical('Glint cannot start: %s', error.detail)
        raise


application = init_application()
