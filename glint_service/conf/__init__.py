"""Glint's configuration: one module per option group.

Nothing here is global: callers make a ``cfg.ConfigOpts`` and hand it to
:func:`register_opts`, so every test and every app has its own.
"""

import os

from keystoneauth1 import loading as ks_loading
from keystonemiddleware.auth_token import _opts as auth_token_opts
from oslo_config import cfg
from oslo_log import log

from glint_service.conf import api
from glint_service.conf import cors
from glint_service.conf import crypto
from glint_service.conf import database
from glint_service.conf import engine
from glint_service.conf import local_cloud
from glint_service.conf import migrations
from glint_service.conf import outbound
from glint_service.conf import paths
from glint_service.conf import quota
from glint_service.conf import remote

GROUP_MODULES = (api, cors, crypto, database, engine, local_cloud,
                 migrations, outbound, paths, quota, remote)

DEFAULT_CONFIG_FILES = ['/etc/glint/glint.conf']


def default_config_files():
    """The configuration files to read.

    Those named in OS_GLINT_CONFIG_FILES (separated by ";"), or else
    DEFAULT_CONFIG_FILES.
    """
    files = os.environ.get('OS_GLINT_CONFIG_FILES')
    return files.split(';') if files else DEFAULT_CONFIG_FILES


AUTHTOKEN_GROUP = 'keystone_authtoken'


def register_opts(conf):
    for module in GROUP_MODULES:
        module.register_opts(conf)
    log.register_options(conf)
    # keystonemiddleware registers these itself when the app is built; Glint
    # registers them first so that glint-manage can read the service user.
    conf.register_opts(auth_token_opts._OPTS, group=AUTHTOKEN_GROUP)
    ks_loading.register_auth_conf_options(conf, AUTHTOKEN_GROUP)


def list_opts():
    """The options of Glint's own groups, for oslo-config-generator."""
    opts = {}
    for module in GROUP_MODULES:
        for group, group_opts in module.list_opts().items():
            opts.setdefault(group, []).extend(group_opts)
    return list(opts.items())


def load(config_files, args=()):
    """A ``ConfigOpts`` read from ``config_files``, with every group known.

    ``args`` is empty by default: under a WSGI server the command line is the
    server's own, not Glint's.
    """
    conf = cfg.ConfigOpts()
    register_opts(conf)
    conf(list(args), project='glint', default_config_files=list(config_files))
    return conf
