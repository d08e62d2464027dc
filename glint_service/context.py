"""What Glint knows of the caller, from the headers keystonemiddleware set."""

from oslo_context import context

from glint_service import policy


class RequestContext(context.RequestContext):

    def __init__(self, enforcer=None, **kwargs):
        super().__init__(**kwargs)
        self.enforcer = enforcer

    def can(self, rule, target=None):
        """Raise Forbidden unless policy allows ``rule`` on ``target``.

        The target defaults to the caller's own project.
        """
        if target is None:
            target = {'project_id': self.project_id}
        policy.authorize(self.enforcer, rule, target, self)
