"""Keystone trusts: how a migration acts for its user in the local cloud.

A migration that reads from or writes to the local cloud may run after the
user's token has expired. When it is asked for, the API makes a trust from
the user to Glint's service user (``create``), with impersonation, the
least roles it needs and a lifetime sized to its job. The engine logs in
through it once per migration (``session``). Keystone lets only the
trustor delete a trust, and not through the trust, so the engine cannot:
the API deletes it when its trustor next looks at the migration once it
has ended, lists migrations, cancels it while queued or deletes its record
(``forget``, ``delete_ended``). Otherwise it lasts until it expires.
"""

import datetime

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client
from oslo_log import log as logging

from glint_service import exception

LOG = logging.getLogger(__name__)

# Trusts of ended migrations deleted at most per request of their trustor.
ENDED_PER_REQUEST = 5


def roles_for(roles, delegated):
    """The roles a migration's trust delegates: no more than it needs.

    Those of ``delegated`` ([migrations] trust_roles) that the caller has
    (Keystone delegates only roles one has), never ``admin``. Forbidden if
    none is left: the caller's other roles are never delegated instead.
    """
    given = [role for role in delegated if role in roles and role != 'admin']
    if not given:
        raise exception.Forbidden(
            'A migration that involves the local cloud acts there through '
            'a Keystone trust with the role %s; you have none of them in '
            'this project.' % ' or '.join(delegated))
    return given


def lifetime(conf, size):
    """Seconds a migration's trust lasts: its queueing and its transfer.

    ``conf`` is the [migrations] group.
    """
    needed = conf.trust_queue_seconds + (size or 0) // conf.trust_min_rate
    return min(conf.trust_lifetime, needed)


def create(services, context, size):
    """A trust for a migration of ``size`` bytes to act as the caller.

    From the caller to Glint's service user, with impersonation, in the
    caller's project. Raises Forbidden if the caller may not make it, and
    ServiceUnavailable if Keystone cannot be asked.
    """
    conf = services.conf.migrations
    roles = roles_for(context.roles, conf.trust_roles)
    try:
        return create_in_keystone(
            services.user_session(context.user_auth), context.user_id,
            context.project_id, roles, lifetime(conf, size),
            services.service_session().get_user_id())
    except ks_exc.Forbidden:
        # Such as a token of an application credential that is restricted.
        raise exception.Forbidden(
            'The local Keystone does not let your token make the trust '
            'this migration needs to act for you after your token expires '
            '(HTTP 403); a token of an application credential may not, '
            'unless the credential is unrestricted.')
    except ks_exc.ClientException as error:
        LOG.warning('No trust for a migration of user %s: %s',
                    context.user_id, type(error).__name__)
        raise exception.ServiceUnavailable(
            'The local Keystone did not make the trust this migration needs '
            'to act for you after your token expires (%s).'
            % type(error).__name__)


def create_in_keystone(session, user_id, project_id, roles, seconds,
                       trustee_id):
    """A trust from the user of ``session`` to ``trustee_id``; its id.

    With impersonation, the ``roles`` in ``project_id``, for ``seconds``.
    """
    expires_at = (datetime.datetime.now(datetime.timezone.utc)
                  + datetime.timedelta(seconds=seconds))
    client = ks_client.Client(session=session, interface='public')
    return client.trusts.create(
        trustor_user=user_id, trustee_user=trustee_id, project=project_id,
        role_names=list(roles), impersonation=True,
        expires_at=expires_at.replace(tzinfo=None)).id


class TrustAuth(v3.Token):
    """A trust-scoped login of Glint's service user, by token.

    Each login takes the service user's current token from ``service``, a
    session that keeps it fresh, so that a trust-scoped token costs no
    password check and is renewed for as long as the trust lasts.
    """

    def __init__(self, auth_url, service, trust_id):
        super().__init__(auth_url, token='unset', trust_id=trust_id)
        self.service = service

    def get_auth_ref(self, session, **kwargs):
        self.auth_methods[0].token = self.service.get_token()
        return super().get_auth_ref(session, **kwargs)


def session(service, trust_id, timeout, discovery_cache=None):
    """A session on the local cloud through a trust.

    ``service`` is the service user's session; the trust-scoped token is
    renewed by itself for as long as the trust lasts. ``discovery_cache``:
    see local_keystone.user_session.
    """
    auth = TrustAuth(service.auth.auth_url, service, trust_id)
    return ks_session.Session(auth=auth, timeout=timeout,
                              discovery_cache=discovery_cache)


def delete(services, session, migration):
    """Delete a migration's trust with ``session``, its trustor's.

    One deleted already is fine; any other failure is logged, and the trust
    expires by itself.
    """
    if migration.trust_id is None:
        return
    try:
        delete_in_keystone(session, migration.trust_id)
    except ks_exc.NotFound:
        pass
    except Exception as error:
        LOG.warning('Migration %s: its trust was not deleted (%s); it '
                    'expires by itself', migration.id, type(error).__name__)
        return
    services.db.forget_trust(migration.id)


def delete_in_keystone(session, trust_id):
    """Delete a trust, with its trustor's session."""
    ks_client.Client(session=session, interface='public').trusts.delete(
        trust_id)


def discard(services, context, trust_id):
    """Delete a trust made for a migration that was not recorded."""
    try:
        delete_in_keystone(services.user_session(context.user_auth),
                           trust_id)
    except Exception as error:
        LOG.warning('A trust made for a migration that was not recorded '
                    'was not deleted (%s); it expires by itself',
                    type(error).__name__)


def forget(services, context, migration):
    """Delete the trust of a migration that will not run any more.

    Only when the caller is its trustor: for anyone else it stays until its
    trustor comes, or it expires.
    """
    if context.user_id == migration.created_by:
        delete(services, services.user_session(context.user_auth), migration)


def delete_ended(services, context):
    """Delete the trusts the caller gave for migrations that have ended.

    Such as those of migrations that ended after the caller's token had
    expired, or in another process: only the trustor may delete a trust,
    so it goes when the trustor next comes.
    """
    migrations = services.db.ended_migrations_with_trusts(context.user_id,
                                                          ENDED_PER_REQUEST)
    if migrations:
        session = services.user_session(context.user_auth)
        for migration in migrations:
            delete(services, session, migration)
