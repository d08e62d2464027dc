from oslo_config import cfg

OPTS = [
    cfg.StrOpt('state_path',
               default='/var/lib/glint',
               help='Folder where Glint keeps its state, such as the '
                    'default SQLite database.'),
]


def register_opts(conf):
    conf.register_opts(OPTS)


def list_opts():
    return {'DEFAULT': OPTS}
