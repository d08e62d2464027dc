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
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
