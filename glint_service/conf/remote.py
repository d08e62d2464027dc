from oslo_config import cfg

GROUP = 'remote_clouds'

OPTS = [
    cfg.FloatOpt('timeout',
                 default=15.0,
                 min=1.0,
                 help='Seconds to wait for a remote Keystone or Glance to '
                      'answer one request.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
