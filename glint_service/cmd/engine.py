"""glint-engine: runs Glint's migrations, beside the API.

    glint-engine [--config-file F ...]

It reads the same configuration as the API (the files named in
OS_GLINT_CONFIG_FILES, separated by ";", by default /etc/glint/glint.conf,
unless --config-file is given) and runs under oslo.service's threading
backend: a parent process that restarts its engine process if it dies.
SIGTERM (or SIGINT) stops it gracefully: the migrations it is streaming go
back to the queue, their partial images deleted, for another engine to
take at once (see glint_service.engine.manager); [DEFAULT]
graceful_shutdown_timeout bounds that.

Any number of engines may share one database, on one host or many.
"""

import sys

from oslo_log import log as logging
from oslo_service import backend
from oslo_service.backend import base as service_base

from glint_service import conf as glint_conf
from glint_service.engine import manager
from glint_service.engine import notifications
from glint_service import exception
from glint_service import services as glint_services

LOG = logging.getLogger(__name__)


class EngineService(service_base.ServiceBase):
    """The engine as an oslo.service service.

    Everything is made in ``start``, in the process that runs it: no
    database connection or thread crosses the launcher's fork.
    """

    def __init__(self, conf):
        self.conf = conf
        self.engine = None

    def start(self):
        try:
            services = glint_services.Services(self.conf)
        except exception.GlintError as error:
            LOG.critical('Glint engine cannot start: %s', error.detail)
            raise
        self.engine = manager.Engine(
            services, notifications.Notifier(self.conf))
        self.engine.start()

    def stop(self, graceful=True):
        if self.engine is not None:
            self.engine.stop()

    def wait(self):
        if self.engine is not None:
            self.engine.wait()

    def reset(self):
        pass


def main(argv=None):
    conf = glint_conf.load(glint_conf.default_config_files(),
                           sys.argv[1:] if argv is None else argv)
    logging.setup(conf, 'glint')
    backend.init_backend(backend.BackendType.THREADING)
    # Imported once the backend is chosen: it picks its classes at import.
    from oslo_service import service

    launcher = service.ServiceLauncher(conf)
    launcher.launch_service(EngineService(conf))
    return launcher.wait()
