from oslo_config import cfg

GROUP = 'remote_clouds'

OPTS = [
    cfg.FloatOpt('timeout',
                 default=15.0,
                 min=1.0,
                 help='Seconds to wait for a remote Keystone or Glance to '
                      'connect or to send the next bytes of an answer.'),
    cfg.FloatOpt('deadline',
                 default=60.0,
                 min=1.0,
                 help='Seconds one call to a remote Keystone or Glance '
                      '(all but image data) may take in all, however its '
                      'answer trickles in.'),
    cfg.IntOpt('max_response_bytes',
               default=16 * 1024 * 1024,
               min=1024,
               help='The most bytes Glint reads of one answer of a remote '
                    'Keystone or Glance (all but image data).'),
    cfg.IntOpt('max_listing_pages',
               default=100,
               min=1,
               help='The most pages of a remote image listing Glint '
                    'follows (each up to 1000 images).'),
    cfg.IntOpt('max_listing_bytes',
               default=64 * 1024 * 1024,
               min=1024,
               help='The most bytes Glint reads of one remote image '
                    'listing, all its pages together; of each image it '
                    'keeps only the few fields it uses.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
