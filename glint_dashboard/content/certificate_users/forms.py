"""Add a certificate user: its DN, its CA's, a project and a role.

The field names are the API's, so that an error Glint gives about a field
(a DN that cannot be read, say) is shown under that field.
"""

from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import forms
from horizon import messages
from openstack_dashboard.api import keystone

from glint_dashboard.api import glint
from glint_dashboard import exceptions as glint_exceptions
from glint_dashboard import form_errors

DEFAULT_ROLE = 'member'


class AddCertificateUserForm(forms.SelfHandlingForm):
    dn = forms.CharField(
        label=_("Subject DN"), max_length=1024,
        help_text=_("The certificate's subject, such as "
                    "CN=Alice Smith,OU=Physics,O=CERN,C=CH"))
    issuer = forms.CharField(
        label=_("Issuer DN"), max_length=1024,
        help_text=_("The subject of the CA that issued the certificate"))
    project = forms.ThemableChoiceField(label=_("Project"))
    role = forms.ThemableChoiceField(label=_("Role"))
    name = forms.CharField(
        label=_("User Name"), max_length=255, required=False,
        help_text=_("The Keystone user's name (default: from the DN)"))

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields['project'].choices = self.projects(request)
        roles = self.roles(request)
        self.fields['role'].choices = roles
        if DEFAULT_ROLE in dict(roles):
            self.fields['role'].initial = DEFAULT_ROLE

    @staticmethod
    def projects(request):
        try:
            projects, _more = keystone.tenant_list(request)
        except Exception:
            exceptions.handle(request, _("Unable to retrieve the projects."))
            return []
        return sorted(((p.id, p.name) for p in projects),
                      key=lambda choice: choice[1].casefold())

    @staticmethod
    def roles(request):
        try:
            roles = keystone.role_list(request)
        except Exception:
            exceptions.handle(request, _("Unable to retrieve the roles."))
            return []
        return sorted((r.name, r.name) for r in roles)

    def handle(self, request, data):
        fields = {name: data[name]
                  for name in ('dn', 'issuer', 'project', 'role')}
        if data.get('name'):
            fields['name'] = data['name']
        try:
            user = glint.x509_user_create(request, fields)
        except glint_exceptions.GlintError as e:
            return form_errors.show(self, request, e,
                                    _("Unable to add the certificate user."),
                                    (400, 404, 409))
        messages.success(request, _('Added certificate user "%s".')
                         % user.dn)
        return user
