from oslo_config import cfg

GROUP = 'api'

OPTS = [
    cfg.URIOpt('public_endpoint',
               schemes=['http', 'https'],
               help='The URL clients reach Glint at, used in the version '
                    'document and in Location headers. When unset, their '
                    'links are relative (a path): Glint never repeats the '
                    'Host header a client sent.'),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='The most items one page of a list holds (GET '
                    '/v1/migrations): a request asks for fewer with '
                    '?limit=, and follows the next link for more.'),
    cfg.IntOpt('download_link_seconds', default=300, min=10, max=3600,
               help='How long a download link (POST .../download_links) '
                    'lets a browser download its image without a token.'),
    cfg.IntOpt('body_timeout', default=30, min=1,
               help='Seconds a JSON request body may take to arrive, '
                    'from when Glint starts to read it; past them the '
                    'answer is 408. Under uWSGI or gunicorn, a client that '
                    'sends its body a byte at a time holds an API thread '
                    'no longer than this.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
