"""keystoneauth's missing plugin: a federated login with an X.509
certificate (auth type ``v3x509``).

Keystone's federation protocol ``x509`` logs in whoever presents a
certificate that the TLS front of Keystone verified: the front hands the
subject and issuer DNs to Keystone, whose mapping for that CA (an identity
provider) names the user. So the login is a GET of the protocol's auth URL,
with no credentials in the request: the certificate is the session's
(``--os-cert`` and ``--os-key``, or ``cert`` and ``key`` in clouds.yaml).
The unscoped token it gives is then scoped to the project asked for, as
keystoneauth's other federation plugins do::

    openstack --os-auth-type v3x509 --os-auth-url https://keystone:5443/v3 \\
        --os-identity-provider IDP --os-protocol x509 \\
        --os-cert me.pem --os-key me.key --os-project-name P glint cloud list
"""

from keystoneauth1 import access
from keystoneauth1 import exceptions
from keystoneauth1.identity.v3 import federation
from keystoneauth1 import loading

PROTOCOL = 'x509'


class X509(federation.FederationBaseAuth):
    """A federated login with the client certificate of the session."""

    def __init__(self, auth_url, identity_provider, protocol=PROTOCOL,
                 **kwargs):
        super().__init__(auth_url, identity_provider, protocol, **kwargs)

    def get_unscoped_auth_ref(self, session):
        """Log in at the protocol's auth URL; the TLS front checks the rest.

        Keystone answers 401 when the front verified no certificate of a
        CA it maps, or when the mapping has no rule for its DN.
        """
        if not session.cert:
            raise exceptions.AuthorizationFailure(
                'Auth type v3x509 logs in with a client certificate: give '
                'one (--os-cert and --os-key, or cert and key in '
                'clouds.yaml).')
        response = session.get(self.federated_token_url,
                               authenticated=False)
        return access.create(resp=response)


class X509Loader(loading.BaseFederationLoader):
    """The options of ``v3x509``: those of every federation plugin.

    Its protocol is ``x509`` unless given.
    """

    @property
    def plugin_class(self):
        return X509

    def get_options(self):
        options = super().get_options()
        for option in options:
            if option.name == 'protocol':
                option.default = PROTOCOL
                option.required = False
                option.help += ' (default: %s)' % PROTOCOL
        return options
