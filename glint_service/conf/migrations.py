from oslo_config import cfg

GROUP = 'migrations'

OPTS = [
    cfg.IntOpt('chunk_size', default=1024 * 1024, min=4096,
               help='Bytes read from the source Glance at a time.'),
    cfg.IntOpt('buffer_chunks', default=8, min=1,
               help='Chunks each target may lag behind the fastest one '
                    'before it holds the others back. Memory per running '
                    'migration is about chunk_size * buffer_chunks * '
                    'targets.'),
    cfg.FloatOpt('progress_interval', default=1.0, min=0.1,
                 help='Seconds between two progress records of a running '
                      'migration (and two checks for a cancel). The CLI '
                      'looks every second, the dashboard every 2.5 s.'),
    cfg.IntOpt('max_rate', default=0, min=0,
               help='Bytes per second one migration reads at most, to spare '
                    'the network; 0 for no limit.'),
    cfg.FloatOpt('stall_timeout', default=300.0, min=1.0,
                 help='Seconds a transfer waits for one chunk: from the '
                      'source (the migration fails), or for a target to take '
                      'one (that target fails, the others go on). Bytes that '
                      'trickle in do not keep a transfer alive past it.'),
    cfg.ListOpt('trust_roles', default=['member'],
                help="The roles a migration's Keystone trust delegates in "
                     'the local cloud, of those its user has there: '
                     "Glance's default policy asks for member to download "
                     'an image and to make one. A user with none of them '
                     'cannot start a migration that involves the local '
                     'cloud (403). Never admin.'),
    cfg.IntOpt('min_rate', default=64 * 1024, min=0,
               help='Bytes per second a transfer reads at least, on '
                    'average since it began, once it has run for '
                    'stall_timeout: a source that sends a chunk now and then, '
                    'each in time, fails all the same (0: no floor).'),
    cfg.IntOpt('trust_lifetime', default=7 * 24 * 3600, min=60,
               help='The most seconds the Keystone trust made for a '
                    'migration lasts: how long a migration may act for its '
                    'user in the local cloud after the token has expired. '
                    'Each trust is sized to its job within this: '
                    'trust_queue_seconds, plus the time the image takes at '
                    'trust_min_rate.'),
    cfg.IntOpt('trust_queue_seconds', default=24 * 3600, min=60,
               help='How long a migration may wait in the queue before its '
                    'trust runs out.'),
    cfg.IntOpt('trust_min_rate', default=1024 * 1024, min=1,
               help='The slowest transfer, in bytes per second, that a '
                    "migration's trust allows for."),
    cfg.IntOpt('max_link_bytes', default=256 * 1024 ** 3, min=1,
               help='The most bytes Glint fetches from a web link, and takes '
                    'of the image decompressed from them.'),
    cfg.IntOpt('upload_wait_seconds', default=3600, min=10,
               help='How long an upload (POST /v1/migrations with source '
                    'upload) awaits its data: an upload whose PUT has not '
                    'begun by then fails. An upload whose size is not '
                    'given has a trust of trust_lifetime.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
