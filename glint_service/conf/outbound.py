from oslo_config import cfg

GROUP = 'outbound'

OPTS = [
    cfg.ListOpt('allowed_schemes', default=['http', 'https'],
                help='URL schemes Glint connects to remote clouds with. '
                     'Set to "https" to refuse remote clouds without TLS.'),
    cfg.ListOpt('allowed_ports', item_type=cfg.types.Port(), default=[],
                help='Ports Glint may connect to at remote clouds; empty: '
                     'any port not in disallowed_ports.'),
    cfg.ListOpt('disallowed_ports', item_type=cfg.types.Port(), default=[],
                help='Ports Glint never connects to at remote clouds.'),
    cfg.ListOpt('allowed_networks', default=[],
                help='Networks (CIDR, such as 10.0.0.0/8) that Glint may '
                     'reach although they are not public. By default only '
                     'globally routable unicast addresses are reached: '
                     'loopback, link-local (the metadata service), '
                     'private, shared, multicast and reserved ranges are '
                     'refused, so that a project cannot make Glint fetch '
                     'from the control plane. List here the networks of '
                     'private clouds on your LAN, and nothing wider.'),
    cfg.ListOpt('disallowed_networks', default=[],
                help='Networks (CIDR) Glint never reaches, even public '
                     'ones and those in allowed_networks.'),
    cfg.BoolOpt('allow_insecure_tls', default=True,
                help='Whether a remote cloud may be registered with '
                     '"verify": false (no TLS certificate check).'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
