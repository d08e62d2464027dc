"""X.509 login through the real Keystone behind a real TLS front.

The bed's first cloud has a TLS front (cloudbed.X509Front: gunicorn that
verifies client certificates, around Keystone's app), started here, that
takes certificates of three CAs. Two of them are set up as identity providers
(one by glint_service.clouds.federation, one by glint-manage x509 setup),
the third is not; a fourth CA, made here, the front does not take. Users
are added by DN; requests presenting their certificates log in at the
front's federated URL and scope their token to their project.
"""

import secrets

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client
import pytest
import requests

from glint_service.clouds import federation
from glint_service.clouds import trusts
from glint_service import dn
from glint_service import exception
from tests import cloudbed
from tests import pki


class Setup(object):
    """The two CAs set up, and what setting them up said."""


@pytest.fixture(scope='module')
def x509(bed, tmp_path_factory):
    cloud = bed.clouds[0]
    assert cloud.x509 is not None, 'the bed has no TLS front on cloud1'
    front = cloud.x509.start()
    done = Setup()
    done.cloud = cloud
    done.front = front
    done.admin = cloud.session(cloud.admin_user())
    done.folder = tmp_path_factory.mktemp('x509')
    done.grid, done.other, done.unset = front.cas
    # The first CA by the module, under an id of its own.
    done.grid_idp = 'grid-' + secrets.token_hex(3)
    said = []
    done.first = federation.setup(done.admin, done.grid.cert_pem(),
                                  idp_id=done.grid_idp, log=said.append)
    done.first_said = said
    said = []
    done.again = federation.setup(done.admin, done.grid.cert_pem().encode(),
                                  idp_id=done.grid_idp, log=said.append)
    done.again_said = said
    # The second by the command, with the default id, twice.
    ca_path = str(done.folder / 'other-ca.pem')
    pki.write_bundle(ca_path, [done.other])
    done.command_said = [bed.glint.manage('x509', 'setup', '--ca', ca_path,
                                          admin=True) for _ in range(2)]
    done.other_idp = federation.default_idp_id(done.other.subject)
    done.demo = cloud.users['demo']
    done.other_project = cloud.users['other']
    return done


def certificate(ca, folder, common_name=None, subject=None):
    """A user certificate from ``ca`` in files: (credential, files)."""
    credential = ca.issue(subject or (
        common_name or 'User %s' % secrets.token_hex(4)))
    files = credential.write(str(folder), 'user-%s' % secrets.token_hex(4))
    return credential, files


def federated_login(x509, idp, files=None):
    """GET the front's federated URL of ``idp``, with the certificate."""
    return requests.get(x509.front.federated_url(idp), cert=files,
                        verify=x509.front.ca_path,
                        timeout=cloudbed.REQUEST_TIMEOUT)


def scoped_token(x509, unscoped, project_id):
    return requests.post(
        x509.front.auth_url + '/auth/tokens',
        json={'auth': {'identity': {'methods': ['token'],
                                    'token': {'id': unscoped}},
                       'scope': {'project': {'id': project_id}}}},
        verify=x509.front.ca_path, timeout=cloudbed.REQUEST_TIMEOUT)


def logs_in(x509, idp, files, project_id):
    """The project-scoped token a certificate gets: its JSON and id."""
    response = federated_login(x509, idp, files)
    assert response.status_code == 201, response.text
    scoped = scoped_token(x509, response.headers['X-Subject-Token'],
                          project_id)
    assert scoped.status_code == 201, scoped.text
    return scoped.json()['token'], scoped.headers['X-Subject-Token']


def admin_client(x509):
    return ks_client.Client(session=x509.admin, interface='public')


def test_setup_is_idempotent_with_two_cas(x509):
    assert x509.first is True
    assert x509.again is False, x509.again_said
    assert 'identity provider %s (%s): created' % (
        x509.grid_idp, x509.grid.subject) in x509.first_said
    assert all('unchanged' in line for line in x509.again_said)
    first, second = x509.command_said
    assert 'protocol x509 of %s, remote id attribute SSL_CLIENT_I_DN: ' \
           'created' % x509.other_idp in first
    assert 'X.509 login through this CA is set up.' in first
    assert 'nothing changed' in second and 'created' not in second

    client = admin_client(x509)
    for ca, idp_id in ((x509.grid, x509.grid_idp),
                       (x509.other, x509.other_idp)):
        idp = client.federation.identity_providers.get(idp_id)
        assert sorted(idp.remote_ids) == sorted(dn.forms(ca.subject))
        protocol, = client.federation.protocols.list(idp_id)
        assert protocol.id == 'x509'
        assert protocol.mapping_id == '%s_x509' % idp_id
        assert protocol.remote_id_attribute == 'SSL_CLIENT_I_DN'


def test_setup_refuses_a_ca_another_identity_provider_has(x509):
    with pytest.raises(exception.IdentityProviderConflict) as raised:
        federation.setup(x509.admin, x509.grid.cert_pem(),
                         idp_id='another-' + secrets.token_hex(3))
    assert x509.grid_idp in raised.value.detail
    # An id that is another CA's.
    with pytest.raises(exception.IdentityProviderConflict) as raised:
        federation.setup(x509.admin, x509.unset.cert_pem(),
                         idp_id=x509.grid_idp)
    assert 'not this CA' in raised.value.detail
    with pytest.raises(exception.InvalidField):
        federation.setup(x509.admin, x509.unset.cert_pem(), idp_id='a b')
    # Not a CA's certificate.
    user, _ = certificate(x509.grid, x509.folder)
    with pytest.raises(exception.InvalidField) as raised:
        federation.setup(x509.admin, user.cert_pem())
    assert 'CA:TRUE' in raised.value.detail
    client = admin_client(x509)
    assert x509.unset.subject not in [
        remote_id for idp in client.federation.identity_providers.list()
        for remote_id in idp.remote_ids]


def test_only_an_administrator_sets_up_and_adds(x509):
    member = x509.cloud.session(x509.demo)
    with pytest.raises(exception.Forbidden):
        federation.setup(member, x509.unset.cert_pem())
    credential, _ = certificate(x509.grid, x509.folder)
    with pytest.raises(exception.Forbidden):
        federation.add_user(member, credential.subject, x509.grid.subject,
                            x509.demo['project_id'])
    with pytest.raises(exception.Forbidden):
        federation.list_users(member)
    assert credential.subject not in [
        user['dn'] for user in federation.list_users(x509.admin)]


def test_a_dn_added_logs_in_to_its_project(x509):
    credential, files = certificate(x509.grid, x509.folder, 'Alice')
    added = federation.add_user(x509.admin, credential.subject,
                                x509.grid.subject, x509.demo['project_id'])
    assert added == {
        'id': added['id'], 'dn': credential.subject,
        'issuer': x509.grid.subject, 'identity_provider': x509.grid_idp,
        'user_name': federation.default_user_name(credential.subject,
                                                  x509.grid.subject),
        'project_id': x509.demo['project_id'], 'role': 'member'}
    assert added['user_name'].startswith('Alice (')
    token, token_id = logs_in(x509, x509.grid_idp, files,
                              x509.demo['project_id'])
    assert token['user']['id'] == added['id']
    assert token['project']['id'] == x509.demo['project_id']
    # member, and reader which it implies.
    assert sorted(role['name'] for role in token['roles']) == [
        'member', 'reader']
    assert added in federation.list_users(x509.admin)

    # A local user without a password: it makes trusts (what a migration
    # of Glint needs), as a password user does.
    session = ks_session.Session(auth=v3.Token(
        x509.cloud.auth_url, token=token_id,
        project_id=x509.demo['project_id']))
    glint = admin_client(x509).users.list(name='glint')[0].id
    trust_id = trusts.create_in_keystone(
        session, added['id'], x509.demo['project_id'], ['member'], 60,
        glint)
    ks_client.Client(session=session, interface='public').trusts.delete(
        trust_id)
    federation.remove_user(x509.admin, added['id'])


def test_refused(x509):
    alice, alice_files = certificate(x509.grid, x509.folder, 'Alice R')
    federation.add_user(x509.admin, alice.subject, x509.grid.subject,
                        x509.demo['project_id'])
    # A DN not added, from the same CA.
    _, bob_files = certificate(x509.grid, x509.folder, 'Bob')
    assert federated_login(x509, x509.grid_idp, bob_files).status_code == 401
    # The same DN from the other CA (set up, nobody added): another
    # person, through either identity provider.
    same, same_files = certificate(x509.other, x509.folder,
                                   subject=alice.certificate.subject)
    assert same.subject == alice.subject
    assert federated_login(x509, x509.other_idp,
                           same_files).status_code == 401
    assert federated_login(x509, x509.grid_idp,
                           same_files).status_code == 403
    # A CA the front takes but that is not set up.
    unset, unset_files = certificate(x509.unset, x509.folder,
                                     subject=alice.certificate.subject)
    assert federated_login(x509, x509.grid_idp,
                           unset_files).status_code == 403
    # No certificate.
    assert federated_login(x509, x509.grid_idp).status_code == 401
    # A CA the front does not take: no TLS connection at all.
    stranger = pki.Authority.create('Stranger CA')
    _, stranger_files = certificate(stranger, x509.folder,
                                    subject=alice.certificate.subject)
    with pytest.raises(requests.exceptions.SSLError):
        federated_login(x509, x509.grid_idp, stranger_files)
    # And Alice herself still logs in.
    logs_in(x509, x509.grid_idp, alice_files, x509.demo['project_id'])


def test_removing_a_user_stops_new_logins(x509):
    credential, files = certificate(x509.grid, x509.folder, 'Dave')
    added = federation.add_user(x509.admin, credential.subject,
                                x509.grid.subject,
                                x509.other_project['project_id'],
                                role='reader', name='dave-x509')
    assert added['user_name'] == 'dave-x509'
    assert added['role'] == 'reader'
    logs_in(x509, x509.grid_idp, files, x509.other_project['project_id'])
    federation.remove_user(x509.admin, added['id'])
    assert federated_login(x509, x509.grid_idp, files).status_code == 401
    assert added['id'] not in [user['id'] for user in
                               federation.list_users(x509.admin)]
    assert not admin_client(x509).users.list(name='dave-x509')
    with pytest.raises(exception.NotFound):
        federation.remove_user(x509.admin, added['id'])
    # A user that was not added by DN is not removed.
    with pytest.raises(exception.NotFound):
        federation.remove_user(x509.admin, x509.demo['id'])
    # The DN may be added again.
    again = federation.add_user(x509.admin, credential.subject,
                                x509.grid.subject,
                                x509.other_project['project_id'])
    logs_in(x509, x509.grid_idp, files, x509.other_project['project_id'])
    federation.remove_user(x509.admin, again['id'])


def test_a_dn_added_in_the_legacy_form_logs_in(x509):
    name = 'Carol %s' % secrets.token_hex(3)
    credential, files = certificate(x509.grid, x509.folder, name)
    legacy = '/C=CH/O=Glint Tests/CN=%s' % name
    issuer = dn.openssl_oneline(x509.grid.certificate.subject)
    added = federation.add_user(x509.admin, legacy, issuer,
                                x509.demo['project_id'])
    assert added['dn'] == credential.subject
    assert added['issuer'] == x509.grid.subject
    token, _ = logs_in(x509, x509.grid_idp, files, x509.demo['project_id'])
    assert token['user']['id'] == added['id']
    federation.remove_user(x509.admin, added['id'])


def test_add_user_refuses_bad_input_and_leaves_nothing(x509):
    credential, _ = certificate(x509.grid, x509.folder, 'Eve')
    client = admin_client(x509)

    def rules():
        return client.federation.mappings.get(
            '%s_x509' % x509.grid_idp).rules

    before = rules()
    users_before = len(client.users.list())
    subject, issuer = credential.subject, x509.grid.subject
    project = x509.demo['project_id']
    with pytest.raises(exception.NotFound) as raised:
        federation.add_user(x509.admin, subject, x509.unset.subject, project)
    assert x509.unset.subject in raised.value.detail
    with pytest.raises(exception.InvalidField) as raised:
        federation.add_user(x509.admin, subject, issuer, 'no-such-project')
    assert raised.value.field == 'project'
    with pytest.raises(exception.InvalidField) as raised:
        federation.add_user(x509.admin, subject, issuer, project,
                            role='no-such-role')
    assert raised.value.field == 'role'
    with pytest.raises(exception.InvalidDN) as raised:
        federation.add_user(x509.admin, 'Eve', issuer, project)
    assert raised.value.field == 'dn'
    with pytest.raises(exception.InvalidDN) as raised:
        federation.add_user(x509.admin, subject, 'CN=', project)
    assert raised.value.field == 'issuer'
    with pytest.raises(exception.InvalidDN):
        federation.add_user(x509.admin, 'CN=a\\;b,O=x', issuer, project)
    # A role Keystone refuses to grant in that project (a role of another
    # domain), once the user is made: the user goes again.
    domain = client.domains.create('x509-' + secrets.token_hex(3))
    role = client.roles.create('x509-role-' + secrets.token_hex(3),
                               domain=domain)
    with pytest.raises(exception.GlintError):
        federation.add_user(x509.admin, subject, issuer, project,
                            role=role.name, name='eve-x509')
    assert not client.users.list(name='eve-x509')
    assert rules() == before
    assert len(client.users.list()) == users_before
    # The same DN from the same CA twice.
    added = federation.add_user(x509.admin, subject, issuer, project)
    with pytest.raises(exception.CertificateUserExists) as raised:
        federation.add_user(x509.admin, dn.forms(subject)[-1],
                            issuer, x509.other_project['project_id'])
    assert added['user_name'] in raised.value.detail
    assert raised.value.status == 409
    federation.remove_user(x509.admin, added['id'])
    assert rules() == before
    client.roles.delete(role)
    client.domains.update(domain, enabled=False)
    client.domains.delete(domain)


def test_a_dn_with_non_ascii_letters_added_as_nginx_writes_it_logs_in(x509):
    name = 'Zoë Łukasz %s' % secrets.token_hex(3)
    credential, files = certificate(x509.grid, x509.folder, name)
    nginx = dn.openssl_rfc2253(credential.certificate.subject,
                               escape_non_ascii=True)
    assert '\\C5\\81' in nginx
    added = federation.add_user(x509.admin, nginx, x509.grid.subject,
                                x509.demo['project_id'])
    assert added['dn'] == credential.subject
    assert added['user_name'].startswith(name + ' (')
    token, _ = logs_in(x509, x509.grid_idp, files, x509.demo['project_id'])
    assert token['user']['id'] == added['id']
    federation.remove_user(x509.admin, added['id'])
