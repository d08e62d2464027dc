from django import shortcuts
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from horizon import exceptions
from horizon import messages
from horizon import tables
from horizon.utils import filters

from glint_dashboard.api import glint
from glint_dashboard.content.remote_clouds import forms as cloud_forms
from glint_dashboard import exceptions as glint_exceptions


class AddCloud(tables.LinkAction):
    name = 'create'
    verbose_name = _("Add Remote Cloud")
    url = 'horizon:project:remote_clouds:create'
    classes = ('ajax-modal',)
    icon = 'plus'


def may_change(request, cloud):
    """Whether the user may edit or delete ``cloud``, by Glint's defaults.

    A remote cloud holds its creator's credentials: its creator or an
    admin of the project changes it (glint:clouds:update and :delete).
    """
    if cloud is None:
        return True
    roles = {role['name'] for role in request.user.roles}
    return cloud.created_by == request.user.id or 'admin' in roles


class EditCloud(tables.LinkAction):
    name = 'update'
    verbose_name = _("Edit")
    url = 'horizon:project:remote_clouds:update'
    classes = ('ajax-modal',)
    icon = 'pencil'

    def allowed(self, request, cloud=None):
        return may_change(request, cloud)


class CheckConnection(tables.Action):
    """Glint logs in to the cloud and asks its Glance for one image."""
    name = 'check'
    verbose_name = _("Check Connection")
    icon = 'plug'

    def single(self, table, request, cloud_id):
        cloud = table.get_object_by_id(cloud_id)
        try:
            answer = glint.cloud_check(request, cloud_id)
        except Exception:
            exceptions.handle(request, _("Unable to check the connection."))
        else:
            if answer.reachable:
                messages.success(request, _('"%s" answers: Glint logged in '
                                            'and reached its image service.')
                                 % cloud.name)
            else:
                messages.error(request, _('"%(name)s" does not answer: '
                                          '%(error)s')
                               % {'name': cloud.name, 'error': answer.error})
        return shortcuts.redirect(request.get_full_path())


class DeleteCloud(tables.DeleteAction):
    help_text = _("Glint forgets the remote cloud and its credentials. "
                  "Its images are not touched.")

    @staticmethod
    def action_present(count):
        return ngettext_lazy("Delete Remote Cloud", "Delete Remote Clouds",
                             count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy("Deleted Remote Cloud", "Deleted Remote Clouds",
                             count)

    def allowed(self, request, cloud=None):
        return may_change(request, cloud)

    def delete(self, request, cloud_id):
        try:
            glint.cloud_delete(request, cloud_id)
        except glint_exceptions.GlintError as e:
            messages.error(request, str(e))
            raise


AUTH_TYPE_DISPLAY = dict(cloud_forms.AUTH_TYPES)
CREDENTIALS_DISPLAY = (('ok', _("Accepted")),
                       ('refused', _("Refused: give new credentials")))


class CredentialsColumn(tables.Column):
    """Whether the remote cloud took its credentials; if not, when and why.

    A cloud that refused them is not logged in to again until they are
    replaced (Edit) or a check logs in (Check Connection).
    """

    def get_data(self, datum):
        shown = super().get_data(datum)
        reason = getattr(datum, 'credentials_refused_reason', None)
        if getattr(datum, 'credentials', None) == 'refused' and reason:
            when = filters.parse_isotime(datum.credentials_refused_at)
            return '%s (%s UTC): %s' % (
                shown, when.strftime('%Y-%m-%d %H:%M'), reason)
        return shown


class CloudsTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_("Name"))
    auth_url = tables.Column('auth_url', verbose_name=_("Keystone URL"))
    region_name = tables.Column('region_name', verbose_name=_("Region"),
                                empty_value=_("Any"))
    auth_type = tables.Column('auth_type', verbose_name=_("Authentication"),
                              display_choices=tuple(AUTH_TYPE_DISPLAY.items()))
    credentials = CredentialsColumn(
        'credentials', verbose_name=_("Credentials"), status=True,
        status_choices=(('ok', True), ('refused', False)),
        display_choices=CREDENTIALS_DISPLAY, empty_value=_("Accepted"))
    image_endpoint = tables.Column('image_endpoint',
                                   verbose_name=_("Image Service"))
    created_at = tables.Column('created_at', verbose_name=_("Created"),
                               filters=(filters.parse_isotime,))

    class Meta(object):
        name = 'remote_clouds'
        verbose_name = _("Remote Clouds")
        table_actions = (AddCloud, DeleteCloud)
        row_actions = (EditCloud, CheckConnection, DeleteCloud)
        status_columns = ['credentials']
