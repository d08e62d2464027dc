"""oslo.policy enforcement with Glint's defaults, overridable by a file."""

from oslo_policy import policy

from glint_service.api import policies
from glint_service import exception


def get_enforcer(conf):
    """An enforcer for ``conf``, for oslopolicy-* tools and for the app."""
    enforcer = policy.Enforcer(conf)
    enforcer.register_defaults(policies.list_rules())
    return enforcer


def authorize(enforcer, rule, target, context):
    try:
        enforcer.authorize(rule, target, context, do_raise=True)
    except policy.PolicyNotAuthorized:
        raise exception.Forbidden(
            'Policy does not allow %s for this user.' % rule)
    except policy.InvalidScope:
        raise exception.Forbidden(
            '%s needs a project-scoped token.' % rule)


def get_enforcer_for_tools():
    """The enforcer for the oslopolicy-* commands.

    The oslo.policy.enforcer entry point: it reads the usual configuration
    files.
    """
    from oslo_config import cfg

    from glint_service import conf as glint_conf

    conf = cfg.ConfigOpts()
    glint_conf.register_opts(conf)
    conf([], project='glint')
    return get_enforcer(conf)
