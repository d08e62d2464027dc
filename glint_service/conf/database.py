from oslo_config import cfg

GROUP = 'database'

OPTS = [
    cfg.StrOpt('connection',
               secret=True,
               help='SQLAlchemy URL of the database, for example '
                    'postgresql+psycopg2://glint:PASSWORD@host/glint or '
                    'mysql+pymysql://glint:PASSWORD@host/glint?charset='
                    'utf8mb4 (a MySQL database in utf8mb3, "utf8", cannot '
                    'store characters beyond U+FFFF, such as emoji). When '
                    'unset, an SQLite file glint.sqlite in state_path.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}


def connection_url(conf):
    """The configured database URL, or the default SQLite file."""
    if conf.database.connection:
        return conf.database.connection
    return 'sqlite:///%s/glint.sqlite' % conf.state_path
