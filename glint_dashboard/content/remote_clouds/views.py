from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from horizon import exceptions
from horizon import forms
from horizon import tables
from horizon.utils import memoized

from glint_dashboard.api import glint
from glint_dashboard.content.remote_clouds import forms as cloud_forms
from glint_dashboard.content.remote_clouds import tables as cloud_tables
from glintclient import client

INDEX_URL = 'horizon:project:remote_clouds:index'
HELP = (_("Glint logs in to the remote cloud's Keystone with these "
          "credentials and finds its image service before it stores "
          "anything. The credentials are kept encrypted and never shown "
          "again."),
        _("An application credential of the remote cloud can stand in for "
          "a user name and password; so can, where the remote Keystone "
          "federates them, an OpenID Connect client, an OpenID Connect "
          "refresh token, or an X.509 certificate."))
SECRETS = sensitive_post_parameters(*client.SECRET_FIELDS)


class IndexView(tables.DataTableView):
    table_class = cloud_tables.CloudsTable
    page_title = _("Remote Clouds")

    def get_data(self):
        try:
            return glint.cloud_list(self.request)
        except Exception:
            exceptions.handle(self.request,
                              _("Unable to retrieve the remote clouds."))
            return []


@method_decorator(SECRETS, name='dispatch')
class CreateView(forms.ModalFormView):
    form_class = cloud_forms.CreateCloudForm
    template_name = 'glint/form.html'
    modal_id = 'create_cloud_modal'
    page_title = modal_header = _("Add Remote Cloud")
    submit_label = _("Add Remote Cloud")
    submit_url = reverse_lazy('horizon:project:remote_clouds:create')
    success_url = reverse_lazy(INDEX_URL)
    extra_context = {'help_paragraphs': HELP}


@method_decorator(SECRETS, name='dispatch')
class UpdateView(forms.ModalFormView):
    form_class = cloud_forms.UpdateCloudForm
    template_name = 'glint/form.html'
    modal_id = 'update_cloud_modal'
    page_title = modal_header = _("Edit Remote Cloud")
    submit_label = _("Save Changes")
    success_url = reverse_lazy(INDEX_URL)
    extra_context = {'help_paragraphs': HELP}

    @memoized.memoized_method
    def get_object(self):
        try:
            return glint.cloud_get(self.request, self.kwargs['cloud_id'])
        except Exception:
            exceptions.handle(self.request,
                              _("Unable to retrieve the remote cloud."),
                              redirect=reverse(INDEX_URL))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['submit_url'] = reverse(
            'horizon:project:remote_clouds:update',
            args=[self.kwargs['cloud_id']])
        return context

    def get_initial(self):
        cloud = self.get_object().to_dict()
        initial = {name: cloud.get(name)
                   for name in self.form_class.base_fields
                   if name not in client.SECRET_FIELDS}
        initial['cloud_id'] = cloud['id']
        return initial
