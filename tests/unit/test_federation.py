"""The mapping rules and names that federation makes (no Keystone here).

What Keystone does with them is in tests/functional/test_x509.py.
"""

from glint_service.clouds import federation
from glint_service import dn

ALICE = 'CN=Alice,O=Grid,C=CH'
CA = 'CN=Grid CA,O=Grid,C=CH'
OTHER_CA = 'CN=Other CA,O=Grid,C=CH'


class IdentityProvider(object):
    def __init__(self, remote_ids):
        self.remote_ids = remote_ids


def test_a_user_rule_maps_every_spelling_of_a_verified_dn_to_a_local_user():
    rule = federation.user_rule(ALICE, 'Alice (12345678)', 'default')
    assert rule == {
        'local': [{'user': {'name': 'Alice (12345678)',
                            'domain': {'id': 'default'}, 'type': 'local'}}],
        'remote': [
            {'type': 'SSL_CLIENT_S_DN', 'any_one_of': dn.forms(ALICE)},
            {'type': 'SSL_CLIENT_VERIFY', 'any_one_of': ['SUCCESS']}]}
    assert 'whitelist' not in repr(rule)
    assert federation._user_rules([federation.NOBODY, rule,
                                   {'local': [{'group': {'id': 'g'}}],
                                    'remote': [{'type': 'SSL_CLIENT_S_DN',
                                                'any_one_of': ['x']}]}]) == [
        rule]


def test_the_placeholder_rule_maps_nobody():
    assert federation._dns_of(federation.NOBODY) == []
    assert federation._user_rules([federation.NOBODY]) == []


def test_adding_a_rule_is_idempotent_and_drops_a_stale_rule_of_its_dn():
    bob = federation.user_rule('CN=Bob,O=Grid,C=CH', 'bob', 'default')
    stale = federation.user_rule('/C=CH/O=Grid/CN=Alice', 'gone', 'default')
    rule = federation.user_rule(ALICE, 'alice', 'default')
    change = federation._with_rule(rule)
    assert change([bob, stale]) == [bob, rule]
    assert change([bob, rule]) == [bob, rule]
    assert change([rule, bob]) == [rule, bob]
    assert change([]) == [rule]


def test_default_names():
    idp = federation.default_idp_id(CA)
    assert idp == 'x509-grid-ca'
    assert federation.IDP_ID.match(idp)
    long_name = federation.default_idp_id('CN=%s,C=CH' % ('Ünï ' * 16))
    assert federation.IDP_ID.match(long_name)
    assert federation.IDP_ID.match(federation.default_idp_id('O=Grid'))
    assert federation.IDP_ID.match(federation.default_idp_id('CN=ü,O=x'))
    name = federation.default_user_name(ALICE, CA)
    assert name.startswith('Alice (') and len(name) == len('Alice ()') + 8
    assert name != federation.default_user_name(ALICE, OTHER_CA)
    assert federation.default_user_name('O=Grid', CA).startswith(
        'X.509 user (')
    assert federation.mapping_id(idp) == 'x509-grid-ca_x509'


def test_the_issuer_of_an_identity_provider_is_its_canonical_dn():
    forms = dn.forms('emailAddress=ca@grid.org,' + CA)
    assert federation._issuer_of(IdentityProvider(sorted(forms))) == forms[0]
    assert federation._issuer_of(IdentityProvider(
        ['/C=CH/O=Grid/CN=Grid CA'])) == CA
    assert federation._issuer_of(IdentityProvider(['https://idp'])) is None
