from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import forms
from horizon import tables
from openstack_dashboard.api import keystone

from glint_dashboard.api import glint
from glint_dashboard.content.certificate_users import forms as user_forms
from glint_dashboard.content.certificate_users import tables as user_tables

INDEX_URL = 'horizon:identity:certificate_users:index'
HELP = (_("Whoever presents a certificate with this subject DN, issued by "
          "this CA, logs in to the cloud as a user of its own, with the "
          "role in the project: no password."),
        _("The CA must have been set up in Keystone first (glint-manage "
          "x509 setup). A DN may be written as RFC 4514 "
          "(CN=...,O=...,C=...) or as grid tools write it "
          "(/C=.../O=.../CN=...)."))


class IndexView(tables.DataTableView):
    table_class = user_tables.CertificateUsersTable
    page_title = _("Certificate Users")

    def get_data(self):
        try:
            users = glint.x509_user_list(self.request)
        except Exception:
            exceptions.handle(self.request,
                              _("Unable to retrieve the certificate users."))
            return []
        names = project_names(self.request)
        for user in users:
            user.project_name = names.get(user.project_id, user.project_id)
        return users


def project_names(request):
    """Project id -> name, as far as Keystone tells the admin."""
    try:
        projects, _more = keystone.tenant_list(request)
    except Exception:
        exceptions.handle(request, _("Unable to retrieve the projects."))
        return {}
    return {p.id: p.name for p in projects}


class AddView(forms.ModalFormView):
    form_class = user_forms.AddCertificateUserForm
    template_name = 'glint/form.html'
    modal_id = 'add_certificate_user_modal'
    page_title = modal_header = _("Add Certificate User")
    submit_label = _("Add Certificate User")
    submit_url = reverse_lazy('horizon:identity:certificate_users:add')
    success_url = reverse_lazy(INDEX_URL)
    extra_context = {'help_paragraphs': HELP}
