from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from horizon import messages
from horizon import tables

from glint_dashboard.api import glint
from glint_dashboard import exceptions as glint_exceptions


class AddUser(tables.LinkAction):
    name = 'add'
    verbose_name = _("Add Certificate User")
    url = 'horizon:identity:certificate_users:add'
    classes = ('ajax-modal',)
    icon = 'plus'


class RemoveUser(tables.DeleteAction):
    help_text = _("The certificate no longer logs in: its mapping rule, "
                  "its user and the user's role assignments are removed.")

    @staticmethod
    def action_present(count):
        return ngettext_lazy("Remove Certificate User",
                             "Remove Certificate Users", count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy("Removed Certificate User",
                             "Removed Certificate Users", count)

    def delete(self, request, user_id):
        try:
            glint.x509_user_delete(request, user_id)
        except glint_exceptions.GlintError as e:
            messages.error(request, str(e))
            raise


class CertificateUsersTable(tables.DataTable):
    dn = tables.Column('dn', verbose_name=_("DN"))
    issuer = tables.Column('issuer', verbose_name=_("Issuer"))
    user_name = tables.Column('user_name', verbose_name=_("User"))
    project = tables.Column('project_name', verbose_name=_("Project"))
    role = tables.Column('role', verbose_name=_("Role"))

    class Meta(object):
        name = 'certificate_users'
        verbose_name = _("Certificate Users")
        table_actions = (AddUser, RemoveUser)
        row_actions = (RemoveUser,)

    def get_object_display(self, user):
        return user.dn
