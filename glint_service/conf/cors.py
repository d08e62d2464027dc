"""[cors]: the web pages whose scripts may call Glint from a browser.

These are oslo.middleware's options (its ``cors`` filter, around Glint's
app, registers them itself), with Glint's defaults: the headers and methods
its API takes and the headers it answers with. No page may until
``allowed_origin`` names its origin, such as the dashboard's, whose Upload
Image action sends the file from the browser straight to Glint.
"""

import copy

from oslo_config import cfg
from oslo_middleware import cors

GROUP = 'cors'

DEFAULTS = {
    'allow_headers': ['X-Auth-Token', 'Content-Type',
                      'X-OpenStack-Request-ID'],
    'expose_headers': ['X-OpenStack-Request-ID', 'Location', 'Retry-After'],
    'allow_methods': ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
}


def register_opts(conf):
    # The filter's own options, as it registers them again: Glint's
    # defaults are this ConfigOpts' alone.
    conf.register_opts(cors.OPTS, group=GROUP)
    for name, value in DEFAULTS.items():
        conf.set_default(name, value, group=GROUP)


def list_opts():
    opts = copy.deepcopy(cors.OPTS)
    cfg.set_defaults(opts, **DEFAULTS)
    return {GROUP: opts}
