from oslo_config import cfg

GROUP = 'local_cloud'

OPTS = [
    cfg.StrOpt('name', default='local',
               help='The name the local cloud is shown with in image '
                    'lists; its id is always "local".'),
    cfg.StrOpt('interface', default='public',
               choices=['public', 'internal', 'admin'],
               help="The interface of the local Glance's endpoint."),
    cfg.StrOpt('region_name',
               help='The region of the local Glance; any when unset.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
