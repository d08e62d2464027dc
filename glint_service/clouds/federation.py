"""X.509 login to the local Keystone: its identity providers and mappings.

A certificate authority (CA) is a Keystone identity provider whose remote
ids are its subject DN (every spelling of it: see glint_service.dn), with
the protocol ``x509``: a TLS front verifies a client certificate and hands
Keystone its subject and issuer DNs (``SSL_CLIENT_S_DN``,
``SSL_CLIENT_I_DN``, ``SSL_CLIENT_VERIFY``, as mod_ssl names them); Keystone
checks the issuer against the remote ids (the protocol's
``remote_id_attribute``: without it, Keystone checks no issuer at all) and
maps the subject with the identity provider's mapping ``<idp>_x509``.

Each user added by DN is one rule of that mapping: the DN (``any_one_of``
its spellings, never ``whitelist``, which maps a non-matching DN too) to a
local user without a password, who has a role in a project. A local user,
not an ephemeral one: its role assignments persist, so its trusts and
application credentials work as a password user's. A DN is a person only
with its CA: the same DN from another CA is another identity provider's
rule, or nobody.

Everything here acts with the keystoneauth session it is given: the
caller's own (an administrator's) token.
"""

import contextlib
import hashlib
import re

from cryptography import x509
from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exc
from keystoneclient.v3 import client as ks_client
from oslo_log import log as logging

from glint_service import dn as names
from glint_service import exception

LOG = logging.getLogger(__name__)

PROTOCOL = 'x509'
# The names a TLS front hands Keystone, as mod_ssl's StdEnvVars.
SUBJECT = 'SSL_CLIENT_S_DN'
ISSUER = 'SSL_CLIENT_I_DN'
VERIFY = 'SSL_CLIENT_VERIFY'
# What Keystone keeps of a remote id (its column), and an id.
REMOTE_ID_LENGTH = 255
IDP_ID = re.compile(r'[A-Za-z0-9-]{1,59}$')
# Keystone wants a mapping to have a rule: this one maps nobody (its DN
# list is empty), until the first user is added, and again once the last
# one is removed.
NOBODY = {'local': [], 'remote': [{'type': SUBJECT, 'any_one_of': []}]}
# Attempts to change a mapping that others change at the same moment.
MAPPING_ATTEMPTS = 5


def mapping_id(idp_id):
    return '%s_%s' % (idp_id, PROTOCOL)


def default_idp_id(subject):
    """An identity provider id for a CA: from its common name."""
    name = names.common_name(subject) or 'ca'
    slug = re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')[:40]
    return 'x509-%s' % (slug or hashlib.sha256(
        subject.encode()).hexdigest()[:12])


def setup(session, ca_pem, idp_id=None, log=None):
    """Make the CA of ``ca_pem`` an identity provider, idempotently.

    The identity provider (``idp_id``, by default from the CA's common
    name) with the CA's DN as remote ids, its mapping and its ``x509``
    protocol. Says through ``log`` what it found and what it did; returns
    whether it changed anything. Another identity provider that has the
    CA's DN already, or an ``idp_id`` that is another CA's: Conflict.
    """
    log = log or LOG.info
    certificate = _ca_certificate(ca_pem)
    subject, _ = names.of_certificate(certificate)
    if idp_id is None:
        idp_id = default_idp_id(subject)
    elif not isinstance(idp_id, str) or not IDP_ID.match(idp_id):
        raise exception.InvalidField(
            'idp', 'letters, digits and "-", at most 59 of them')
    remote_ids = names.forms(subject)
    if any(len(form) > REMOTE_ID_LENGTH for form in remote_ids):
        raise exception.InvalidField(
            'ca', 'its subject DN has more than the %d characters Keystone '
                  'keeps of a remote id' % REMOTE_ID_LENGTH)
    changed = []

    def outcome(what, done=None):
        if done:
            changed.append(what)
        log('%s: %s' % (what, done or 'exists, unchanged'))

    with _keystone_errors():
        client = _client(session)
        idp = None
        for other in client.federation.identity_providers.list():
            if other.id == idp_id:
                idp = other
            elif set(other.remote_ids or []) & set(remote_ids):
                raise exception.IdentityProviderConflict(
                    'The identity provider %s has the DN of this CA (%s) '
                    'already; set it up under that id (--idp %s).'
                    % (other.id, subject, other.id))
        what = 'identity provider %s (%s)' % (idp_id, subject)
        if idp is None:
            client.federation.identity_providers.create(
                idp_id, remote_ids=remote_ids, enabled=True,
                description='X.509 CA %s' % subject)
            outcome(what, 'created')
        elif subject not in (idp.remote_ids or []):
            raise exception.IdentityProviderConflict(
                'The identity provider %s is not this CA\'s (%s): its '
                'remote ids are %s. Give this CA another id (--idp).'
                % (idp_id, subject, ', '.join(idp.remote_ids or [])
                   or 'none'))
        elif not set(remote_ids) <= set(idp.remote_ids):
            client.federation.identity_providers.update(
                idp_id, remote_ids=sorted(set(idp.remote_ids)
                                          | set(remote_ids)))
            outcome(what, 'remote ids completed')
        else:
            outcome(what)

        mapping = mapping_id(idp_id)
        what = 'mapping %s' % mapping
        try:
            client.federation.mappings.get(mapping)
            outcome(what)
        except ks_exc.NotFound:
            client.federation.mappings.create(mapping, rules=[NOBODY])
            outcome(what, 'created')

        what = 'protocol %s of %s, remote id attribute %s' % (
            PROTOCOL, idp_id, ISSUER)
        # keystoneclient sends no remote_id_attribute when it creates a
        # protocol, and Keystone shows it in a list only.
        identity = ks_adapter.Adapter(session, service_type='identity',
                                      interface='public', version=(3, 0))
        url = '/OS-FEDERATION/identity_providers/%s/protocols/%s' % (
            idp_id, PROTOCOL)
        body = {'protocol': {'mapping_id': mapping,
                             'remote_id_attribute': ISSUER}}
        protocol = {protocol.id: protocol for protocol in
                    client.federation.protocols.list(idp_id)}.get(PROTOCOL)
        if protocol is None:
            identity.put(url, json=body)
            outcome(what, 'created')
        elif (protocol.mapping_id, getattr(
                protocol, 'remote_id_attribute', None)) == (mapping, ISSUER):
            outcome(what)
        else:
            identity.patch(url, json=body)
            outcome(what, 'updated')
    return bool(changed)


def add_user(session, dn, issuer, project_id, role='member', name=None):
    """Let the certificate of the subject ``dn`` from ``issuer`` log in.

    A local user without a password, in the project's domain (``name``,
    by default its common name and a short hash of both DNs), with ``role``
    in the project (an id, or a name that only one project has); a rule
    of the mapping of the CA's identity provider maps the DN to it.
    Returns what ``list_users`` lists of it. NotFound if no identity
    provider has the issuer; CertificateUserExists if that DN from that CA
    is someone's already; InvalidField if the project or role is not
    there. Nothing is left behind when it fails.
    """
    subject = names.normalise(dn, 'dn')
    issuer = names.normalise(issuer, 'issuer')
    if ';' in subject:
        raise exception.InvalidDN(
            'dn', 'Keystone reads a ";" in a DN that a TLS front hands it '
                  'as the end of one value: such a DN cannot log in')
    with _keystone_errors():
        client = _client(session)
        idp, mapping = _identity_provider_of(client, issuer)
        for rule in _user_rules(_rules(client, mapping)):
            if set(_dns_of(rule)) & set(names.forms(subject)):
                user = _user_of(client, rule)
                if user is not None:
                    raise exception.CertificateUserExists(
                        'The DN %s from %s logs in as the user %s (%s) '
                        'already.' % (subject, issuer, user.name, user.id))
        project = _project(client, project_id)
        role_ref = _role(client, role)
        name = name or default_user_name(subject, issuer)
        if not isinstance(name, str) or not 0 < len(name) <= 255 or (
                not name.isprintable()):
            raise exception.InvalidField(
                'name', 'printable text of 1 to 255 characters')
        if client.users.list(domain=project.domain_id, name=name):
            raise exception.Conflict(
                'A user named %s exists already in the domain %s.'
                % (name, project.domain_id))
        user = client.users.create(
            name, domain=project.domain_id, default_project=project.id,
            description='Logs in with the X.509 certificate %s from %s'
                        % (subject, issuer))
        try:
            client.roles.grant(role_ref, user=user, project=project)
            _change_rules(client, mapping, _with_rule(
                user_rule(subject, name, project.domain_id)))
        except BaseException:
            _delete_user(client, user.id)
            raise
    return {'id': user.id, 'dn': subject, 'issuer': issuer,
            'identity_provider': idp.id, 'user_name': name,
            'project_id': project.id, 'role': role_ref.name}


def list_users(session):
    """The users added by DN: as ``add_user`` returns them, by DN."""
    found = []
    with _keystone_errors():
        client = _client(session)
        for idp, mapping in _x509_identity_providers(client):
            issuer = _issuer_of(idp)
            for rule in _user_rules(_rules(client, mapping)):
                user = _user_of(client, rule)
                if user is None:
                    continue
                found.append(_described(client, user, rule, issuer, idp))
    return sorted(found, key=lambda user: (user['issuer'], user['dn']))


def remove_user(session, user_id):
    """Stop a user added by DN from logging in, and delete the user.

    Its rule goes first (no new login), then the user (and its role
    assignments with it). NotFound unless it is a user added by DN.
    """
    with _keystone_errors():
        client = _client(session)
        try:
            user = client.users.get(user_id)
        except ks_exc.NotFound:
            user = None
        removed = False
        if user is not None:
            for _, mapping in _x509_identity_providers(client):
                rules = _user_rules(_rules(client, mapping))
                if any(_is_rule_of(rule, user) for rule in rules):
                    _change_rules(client, mapping, lambda rules: [
                        r for r in rules if not _is_rule_of(r, user)])
                    removed = True
        if not removed:
            raise exception.NotFound(
                'No user added by DN has the id %s.' % user_id)
        _delete_user(client, user.id)


def user_rule(subject, name, domain_id):
    """The mapping rule that maps the DN ``subject`` to a local user."""
    return {
        'local': [{'user': {'name': name, 'domain': {'id': domain_id},
                            'type': 'local'}}],
        'remote': [{'type': SUBJECT, 'any_one_of': names.forms(subject)},
                   {'type': VERIFY, 'any_one_of': ['SUCCESS']}],
    }


def default_user_name(subject, issuer):
    """The common name and a short hash of the issuer and subject DNs."""
    digest = hashlib.sha256(('%s\n%s' % (issuer, subject)).encode())
    common_name = names.common_name(subject) or 'X.509 user'
    return '%s (%s)' % (common_name[:200], digest.hexdigest()[:8])


def _client(session):
    return ks_client.Client(session=session, interface='public')


@contextlib.contextmanager
def _keystone_errors():
    """Keystone's refusals as Glint's errors (others pass on)."""
    try:
        yield
    except (ks_exc.Forbidden, ks_exc.Unauthorized) as error:
        raise exception.Forbidden(
            'The local Keystone refused (HTTP %s): changing its identity '
            'providers, mappings and users takes an administrator.'
            % error.http_status)
    except (ks_exc.ConnectionError, ks_exc.ServiceUnavailable,
            ks_exc.GatewayTimeout, ks_exc.BadGateway) as error:
        raise exception.ServiceUnavailable(
            'The local Keystone could not be reached (%s).'
            % type(error).__name__)


def _ca_certificate(ca_pem):
    try:
        certificate = x509.load_pem_x509_certificate(
            ca_pem.encode() if isinstance(ca_pem, str) else ca_pem)
    except ValueError:
        raise exception.InvalidField('ca', 'not a PEM certificate')
    try:
        constraints = certificate.extensions.get_extension_for_class(
            x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise exception.InvalidField(
            'ca', 'not the certificate of a CA (its basic constraints do '
                  'not say CA:TRUE)')
    return certificate


def _x509_identity_providers(client):
    """(identity provider, its x509 protocol's mapping id), each."""
    for idp in client.federation.identity_providers.list():
        try:
            protocol = client.federation.protocols.get(idp.id, PROTOCOL)
        except ks_exc.NotFound:
            continue
        yield idp, protocol.mapping_id


def _identity_provider_of(client, issuer):
    spellings = set(names.forms(issuer))
    for idp, mapping in _x509_identity_providers(client):
        if spellings & set(idp.remote_ids or []):
            return idp, mapping
    raise exception.NotFound(
        'No identity provider of the local Keystone has the issuer %s: '
        'its CA must be set up first (glint-manage x509 setup --ca).'
        % issuer)


def _issuer_of(idp):
    """The canonical DN of an identity provider's CA."""
    issuers = []
    for remote_id in idp.remote_ids or []:
        try:
            issuers.append(names.normalise(remote_id))
        except exception.InvalidDN:
            continue
    # Its canonical form is one of its remote ids (see setup).
    exact = [issuer for issuer in issuers if issuer in idp.remote_ids]
    return (exact or issuers or [None])[0]


def _rules(client, mapping):
    return client.federation.mappings.get(mapping).rules


def _user_rules(rules):
    """The rules that map a DN to a local user (those add_user makes)."""
    return [rule for rule in rules if _dns_of(rule) and _local_user(rule)]


def _dns_of(rule):
    for remote in rule.get('remote', []):
        if remote.get('type') == SUBJECT and remote.get('any_one_of'):
            return remote['any_one_of']
    return []


def _local_user(rule):
    for local in rule.get('local', []):
        user = local.get('user', {})
        if user.get('type') == 'local' and user.get('name'):
            return user
    return None


def _is_rule_of(rule, user):
    local = _local_user(rule)
    return bool(local) and local['name'] == user.name and local.get(
        'domain', {}).get('id') == user.domain_id


def _user_of(client, rule):
    """The user a rule maps to, or None if there is none."""
    local = _local_user(rule)
    domain_id = local.get('domain', {}).get('id')
    users = client.users.list(domain=domain_id, name=local['name'])
    return users[0] if users else None


def _described(client, user, rule, issuer, idp):
    project_id = getattr(user, 'default_project_id', None)
    roles = sorted(
        assignment.role['name'] for assignment in
        client.role_assignments.list(user=user, project=project_id,
                                     include_names=True)
    ) if project_id else []
    return {'id': user.id, 'dn': _dns_of(rule)[0], 'issuer': issuer,
            'identity_provider': idp.id, 'user_name': user.name,
            'project_id': project_id, 'role': ','.join(roles) or None}


def _with_rule(rule):
    """A change of rules: ``rule`` in, any other rule of its DN out.

    Such as one of a user deleted since, whom nobody can be mapped to.
    """
    def change(rules):
        others = [other for other in rules
                  if not set(_dns_of(other)) & set(_dns_of(rule))]
        if rule in rules and len(others) == len(rules) - 1:
            return rules
        return others + [rule]
    return change


def _change_rules(client, mapping, change):
    """Apply ``change`` to the user rules of ``mapping``, and check it.

    ``change`` takes and gives a list of user rules, and gives it
    unchanged once applied. Keystone changes a mapping as a whole: if
    another change lands between the read and the write, it is read again
    and the change applied again.
    """
    for _ in range(MAPPING_ATTEMPTS):
        rules = _user_rules(_rules(client, mapping))
        client.federation.mappings.update(mapping,
                                          rules=change(rules) or [NOBODY])
        after = _user_rules(_rules(client, mapping))
        if change(after) == after:
            return
    raise exception.ServiceUnavailable(
        'The mapping %s of the local Keystone kept changing while Glint '
        'changed it; try again.' % mapping)


def _project(client, project):
    try:
        return client.projects.get(project)
    except ks_exc.NotFound:
        pass
    found = client.projects.list(name=project)
    if len(found) == 1:
        return found[0]
    raise exception.InvalidField(
        'project', 'no project of the local Keystone has the id %s%s'
        % (project, ' (several have that name: give its id)'
           if found else ' or that name'))


def _role(client, role):
    found = client.roles.list(name=role)
    if not found:
        raise exception.InvalidField(
            'role', 'the local Keystone has no role named %s' % role)
    return found[0]


def _delete_user(client, user_id):
    try:
        client.users.delete(user_id)
    except ks_exc.NotFound:
        pass
