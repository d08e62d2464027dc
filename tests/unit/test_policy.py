"""The policy defaults of the contract: reader, member, admin."""

from oslo_config import cfg
import pytest

from glint_service.api import context
from glint_service.api.policies import clouds
from glint_service.api import policy
from glint_service import conf as glint_conf
from glint_service import exception


@pytest.fixture
def enforcer():
    conf = cfg.ConfigOpts()
    glint_conf.register_opts(conf)
    conf([], project='glint', default_config_files=[])
    return policy.get_enforcer(conf)


def caller(enforcer, *roles, project_id='p'):
    return context.RequestContext(enforcer=enforcer, user_id='u',
                                  project_id=project_id, roles=list(roles))


@pytest.mark.parametrize('rule,roles,allowed', [
    (clouds.LIST, ['reader'], True),
    (clouds.SHOW, ['reader'], True),
    (clouds.CHECK, ['reader'], True),
    (clouds.CHECK, [], False),
    (clouds.CREATE, ['reader'], False),
    (clouds.UPDATE, ['reader'], False),
    (clouds.DELETE, ['reader'], False),
    (clouds.CREATE, ['member', 'reader'], True),
    (clouds.LIST_ALL_PROJECTS, ['member', 'reader'], False),
    (clouds.LIST_ALL_PROJECTS, ['admin', 'member', 'reader'], True),
    (clouds.LIST, [], False),
])
def test_defaults(enforcer, rule, roles, allowed):
    ctx = caller(enforcer, *roles)
    if allowed:
        ctx.can(rule)
    else:
        with pytest.raises(exception.Forbidden):
            ctx.can(rule)


@pytest.mark.parametrize('rule', [clouds.UPDATE, clouds.DELETE])
@pytest.mark.parametrize('user_id, roles, allowed', [
    ('creator', ['member', 'reader'], True),
    ('colleague', ['member', 'reader'], False),
    ('colleague', ['admin', 'member', 'reader'], True),
    ('creator', ['reader'], False),
])
def test_only_a_clouds_creator_or_admin_changes_it(enforcer, rule, user_id,
                                                   roles, allowed):
    ctx = context.RequestContext(enforcer=enforcer, user_id=user_id,
                                 project_id='p', roles=roles)
    target = {'project_id': 'p', 'created_by': 'creator'}
    if allowed:
        ctx.can(rule, target)
    else:
        with pytest.raises(exception.Forbidden):
            ctx.can(rule, target)


def test_an_admin_of_another_project_does_not_change_a_cloud(enforcer):
    ctx = context.RequestContext(enforcer=enforcer, user_id='x',
                                 project_id='q', roles=['admin', 'member'])
    with pytest.raises(exception.Forbidden):
        ctx.can(clouds.UPDATE, {'project_id': 'p', 'created_by': 'c'})


def test_a_member_of_another_project_is_not_allowed(enforcer):
    ctx = caller(enforcer, 'member', 'reader', project_id='q')
    with pytest.raises(exception.Forbidden):
        ctx.can(clouds.SHOW, {'project_id': 'p'})


def test_every_rule_is_documented():
    from glint_service.api import policies
    for rule in policies.list_rules():
        assert rule.description
