from oslo_config import cfg

GROUP = 'quota'

OPTS = [
    cfg.IntOpt('clouds', default=20, min=0,
               help='Remote clouds one project may register.'),
    cfg.IntOpt('migrations', default=10, min=0,
               help='Migrations one project may have queued or running at '
                    'once.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
