from oslo_config import cfg

GROUP = 'engine'

OPTS = [
    cfg.IntOpt('max_transfers', default=4, min=1,
               deprecated_name='workers', deprecated_group='migrations',
               help='Migrations one glint-engine process runs at the same '
                    'time. It claims queued migrations only while under '
                    'this; the others wait for any engine sharing the '
                    'database.'),
    cfg.IntOpt('max_transfers_per_project', min=1,
               help='Migrations of one project one glint-engine runs at the '
                    'same time; by default one fewer than max_transfers '
                    '(1 at least), so that a project whose migrations are '
                    'slow never takes every transfer of an engine while '
                    "another project's wait."),
    cfg.FloatOpt('poll_interval', default=0.1, min=0.05,
                 deprecated_group='migrations',
                 help='Seconds between two looks at the queue by an engine '
                      'with room for another transfer: an idle engine takes '
                      'a new migration within this. A look at an empty '
                      'queue reads one index entry. The engine renews its '
                      'leases, ends abandoned migrations and deletes '
                      'leftover images six times per lease_seconds.'),
    cfg.IntOpt('lease_seconds', default=30, min=5,
               deprecated_group='migrations',
               help='How long an engine holds a migration without renewing '
                    'its claim. A migration whose claim has run out belongs '
                    'to an engine that is gone: another engine ends it as '
                    'failed and deletes its partial images. A transfer goes '
                    'on through a loss of the database shorter than half of '
                    'this.'),
    cfg.IntOpt('cleanup_threads', default=2, min=1,
               help='Threads of one engine that end abandoned migrations '
                    'and delete images left at targets, apart from the '
                    'transfers, so that a cloud slow to answer them never '
                    'delays the renewal of leases.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
