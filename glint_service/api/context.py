"""What Glint knows of the caller, from the headers keystonemiddleware set."""

from oslo_context import context

from glint_service.api import policy


class RequestContext(context.RequestContext):
    """The caller, and the policy that says what the caller may do.

    ``user_auth`` is keystonemiddleware's plugin for the caller's token: a
    session with it reaches the local cloud as the caller, with the catalog
    that came with the token, at no further cost to Keystone.
    """

    def __init__(self, enforcer=None, user_auth=None, **kwargs):
        super().__init__(**kwargs)
        self.enforcer = enforcer
        self.user_auth = user_auth

    def can(self, rule, target=None):
        """Raise Forbidden unless policy allows ``rule`` on ``target``.

        The target defaults to the caller's own project.
        """
        if target is None:
            target = {'project_id': self.project_id}
        policy.authorize(self.enforcer, rule, target, self)
