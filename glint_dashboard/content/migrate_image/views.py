from django.core.files import uploadhandler
from django import http
from django.template import defaultfilters
from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators import csrf
from django.views import generic

from horizon import exceptions
from horizon import forms
from horizon import messages
from horizon import tables
from horizon.utils import memoized

from glint_dashboard.api import glint
from glint_dashboard.content.migrate_image import forms as migrate_forms
from glint_dashboard.content.migrate_image import tables as migrate_tables
from glintclient import client

INDEX_URL = 'horizon:project:migrate_image:index'


class IndexView(tables.MultiTableView):
    table_classes = (migrate_tables.ImagesTable,
                     migrate_tables.MigrationsTable)
    template_name = 'project/migrate_image/index.html'
    page_title = _("Migrate Image")

    def get_images_data(self):
        try:
            listing = glint.image_list(self.request)
        except Exception:
            exceptions.handle(self.request,
                              _("Unable to list the images across clouds."))
            return []
        for cloud in listing.clouds:
            if not cloud.reachable:
                messages.warning(self.request,
                                 _('"%(name)s" did not answer: %(error)s')
                                 % {'name': cloud.name, 'error': cloud.error})
        by_name = self.get_tables()
        by_name['images'].show_clouds(listing.clouds)
        # The migrations table names its clouds from the same listing.
        by_name['migrations'].listed_names = {cloud.id: cloud.name
                                              for cloud in listing.clouds}
        return listing.images

    def get_migrations_data(self):
        try:
            return glint.migration_list(self.request)
        except Exception:
            exceptions.handle(self.request,
                              _("Unable to retrieve the migrations."))
            return []


class DownloadView(generic.View):
    """Send the browser to a download link of one copy, straight to Glint."""

    def get(self, request, cloud_id, image_id):
        try:
            url = glint.image_download_link(request, cloud_id, image_id)
        except Exception:
            exceptions.handle(request, _("Unable to download the image."),
                              redirect=reverse(INDEX_URL))
        return http.HttpResponseRedirect(url)


class MigrateView(forms.ModalFormView):
    form_class = migrate_forms.MigrateForm
    template_name = 'glint/form.html'
    modal_id = 'migrate_image_modal'
    page_title = modal_header = _("Migrate Image")
    submit_label = _("Migrate")
    success_url = reverse_lazy(INDEX_URL)

    @memoized.memoized_method
    def get_row(self):
        """The image and the clouds the image table's link carries."""
        try:
            return migrate_forms.carried_row(self.request.GET)
        except Exception:
            exceptions.handle(self.request, _("Unable to find the image."),
                              redirect=reverse(INDEX_URL))

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs['image'], kwargs['clouds'] = self.get_row()
        return kwargs

    def get_initial(self):
        image, clouds = self.get_row()
        held = {copy['cloud_id'] for copy in image.copies}
        active = [copy for copy in image.copies if copy['status'] == 'active']
        first = ([c for c in active if c['cloud_id'] == client.LOCAL] or
                 active or [None])[0]
        return {'source': first and '%s/%s' % (first['cloud_id'],
                                               first['image_id']),
                'targets': [cloud.id for cloud in clouds
                            if cloud.id not in held]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The form goes back with the row it was opened with.
        context['submit_url'] = '%s?%s' % (
            reverse('horizon:project:migrate_image:migrate'),
            self.request.GET.urlencode())
        image, clouds = self.get_row()
        context['help_paragraphs'] = (
            _('Image "%(name)s", %(size)s.')
            % {'name': image.name,
               'size': defaultfilters.filesizeformat(image.size)},
            _("Glint reads the image once and streams it to every cloud "
              "chosen at the same time. Each copy's size and checksum are "
              "checked; a copy that fails is deleted."))
        return context


class DropFiles(uploadhandler.FileUploadHandler):
    """Skips every file of a form: its bytes are read and dropped."""

    def new_file(self, *args, **kwargs):
        raise uploadhandler.SkipFile()

    def receive_data_chunk(self, raw_data, start):
        return None

    def file_complete(self, file_size):
        return None


class UploadView(forms.ModalFormView):
    """Upload Image: the form, then the browser sends the file to Glint.

    In the modal, Horizon's script sends the form without the file, and
    then the file itself to the URL and with the token the answer gives
    (see glint.Upload). A file that comes here all the same (the form
    posted outside the modal) is dropped as it comes, not kept in memory or
    on disk: the form then asks for it again.
    """

    form_class = migrate_forms.UploadForm
    template_name = 'project/migrate_image/upload.html'
    modal_id = 'upload_image_modal'
    page_title = modal_header = _("Upload Image")
    submit_label = _("Upload")
    submit_url = reverse_lazy('horizon:project:migrate_image:upload')
    success_url = reverse_lazy(INDEX_URL)

    # The upload handlers are set before the CSRF check reads the form.
    @method_decorator(csrf.csrf_exempt)
    def dispatch(self, request, *args, **kwargs):
        request.upload_handlers = [DropFiles(request)]
        return self.checked_dispatch(request, *args, **kwargs)

    @method_decorator(csrf.csrf_protect)
    def checked_dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    @memoized.memoized_method
    def get_clouds(self):
        """The project's remote clouds: the targets besides the local."""
        try:
            return glint.cloud_list(self.request)
        except Exception:
            exceptions.handle(self.request,
                              _("Unable to list the remote clouds."),
                              redirect=reverse(INDEX_URL))

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs['clouds'] = self.get_clouds()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['help_paragraphs'] = (
            _("Your browser sends the file straight to Glint, with your "
              "token: not through the dashboard. A progress bar shows "
              "while it is sent; keep this page open until it ends."),
            _("Glint streams the file to every cloud chosen at the same "
              "time. It checks that the data is of the disk format chosen "
              "and each copy's checksum; a copy that fails is deleted."))
        return context
