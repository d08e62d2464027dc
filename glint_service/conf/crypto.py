from oslo_config import cfg

GROUP = 'crypto'

OPTS = [
    cfg.StrOpt('key_file',
               default='/etc/glint/credential.key',
               help='File holding the Fernet keys that encrypt remote cloud '
                    'credentials at rest, one per line: the first encrypts, '
                    'all of them decrypt. Create it with '
                    '"glint-manage key create". Glint refuses to start '
                    'without it.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
