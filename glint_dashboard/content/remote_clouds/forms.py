"""Add and edit a remote cloud: both auth types, secrets never shown back.

The field names are the API's, so that an error Glint gives about a field
is shown under that field; any other refusal (the remote Keystone refused
the credentials, say) is shown at the top of the form.
"""

from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from horizon import exceptions
from horizon import forms
from horizon import messages

from glint_dashboard.api import glint
from glint_dashboard import exceptions as glint_exceptions
from glintclient import client

PASSWORD = client.PASSWORD
APPLICATION_CREDENTIAL = client.APPLICATION_CREDENTIAL
AUTH_TYPES = ((PASSWORD, _('Password')),
              (APPLICATION_CREDENTIAL, _('Application credential')))
INTERFACES = (('public', _('Public')), ('internal', _('Internal')),
              ('admin', _('Admin')))
# The fields the form asks for when creating a cloud of each auth type.
REQUIRED = {PASSWORD: ('username', 'password', 'project_name'),
            APPLICATION_CREDENTIAL: client.AUTH_FIELDS[
                APPLICATION_CREDENTIAL]}


def _switched(label, auth_type, secret=False, **attrs):
    """A widget shown only when the auth type ``auth_type`` is chosen."""
    attrs.update({'class': 'switched', 'data-switch-on': 'authtype',
                  'data-authtype-%s' % auth_type: label})
    if secret:
        return forms.PasswordInput(attrs=attrs, render_value=False)
    return forms.TextInput(attrs=attrs)


class CloudForm(forms.SelfHandlingForm):
    name = forms.CharField(label=_("Name"), max_length=255)
    auth_url = forms.CharField(
        label=_("Keystone URL"), max_length=1024,
        help_text=_("The remote cloud's Keystone v3 URL, such as "
                    "https://keystone.example.org:5000/v3"))
    region_name = forms.CharField(label=_("Region"), max_length=255,
                                  required=False)
    interface = forms.ThemableChoiceField(label=_("Interface"),
                                          choices=INTERFACES,
                                          initial='public')
    auth_type = forms.ThemableChoiceField(
        label=_("Authentication"), choices=AUTH_TYPES, initial=PASSWORD,
        widget=forms.ThemableSelectWidget(
            attrs={'class': 'switchable', 'data-slug': 'authtype'}))
    username = forms.CharField(
        max_length=255, required=False,
        widget=_switched(_("User Name"), PASSWORD))
    password = forms.CharField(
        max_length=255, required=False,
        widget=_switched(_("Password"), PASSWORD, secret=True))
    user_domain_name = forms.CharField(
        max_length=255, required=False, initial='Default',
        widget=_switched(_("User Domain"), PASSWORD))
    project_name = forms.CharField(
        max_length=255, required=False,
        widget=_switched(_("Project"), PASSWORD))
    project_domain_name = forms.CharField(
        max_length=255, required=False, initial='Default',
        widget=_switched(_("Project Domain"), PASSWORD))
    application_credential_id = forms.CharField(
        max_length=255, required=False,
        widget=_switched(_("Application Credential ID"),
                         APPLICATION_CREDENTIAL))
    application_credential_secret = forms.CharField(
        max_length=255, required=False,
        widget=_switched(_("Application Credential Secret"),
                         APPLICATION_CREDENTIAL, secret=True))
    verify = forms.BooleanField(label=_("Verify TLS certificates"),
                                required=False, initial=True)
    cacert = forms.CharField(
        label=_("CA certificates"), required=False,
        widget=forms.Textarea(attrs={'rows': 3}),
        help_text=_("PEM text of the certificates that sign the remote "
                    "cloud's, if not a public authority."))

    # A secret left empty when editing keeps the stored one.
    secrets_required = True

    def clean(self):
        data = super().clean()
        if self.secrets_required:
            for name in REQUIRED.get(data.get('auth_type'), ()):
                if not data.get(name):
                    self.add_error(name, _("This field is required."))
        return data

    def fields_for_api(self, data, names):
        """The API's fields among ``names``: empty ones omitted or cleared."""
        other_type = {name for auth_type, auth_fields
                      in client.AUTH_FIELDS.items()
                      if auth_type != data['auth_type']
                      for name in auth_fields}
        fields = {}
        for name in names:
            value = data.get(name)
            if name in other_type or (name in client.SECRET_FIELDS
                                      and not value):
                continue
            if value in ('', None):
                if self.initial.get(name) not in ('', None):
                    fields[name] = None
                continue
            fields[name] = value
        return fields

    @sensitive_variables('fields')
    def save(self, request, fields):
        """Send ``fields`` to Glint; on a refusal, show why on the form."""
        try:
            return self.send(request, fields)
        except glint_exceptions.GlintError as e:
            if e.status not in (400, 409):
                exceptions.handle(request, self.failure_message)
                return False
            field = e.field()
            if field in self.fields:
                self.add_error(field, str(e).split(': ', 1)[1])
            else:
                self.api_error(str(e))
            return False


class CreateCloudForm(CloudForm):
    failure_message = _("Unable to add the remote cloud.")

    def send(self, request, fields):
        return glint.cloud_create(request, fields)

    @sensitive_variables('data', 'fields')
    def handle(self, request, data):
        fields = self.fields_for_api(data, self.fields)
        cloud = self.save(request, fields)
        if cloud:
            messages.success(request,
                             _('Added remote cloud "%s".') % cloud.name)
        return cloud


class UpdateCloudForm(CloudForm):
    cloud_id = forms.CharField(widget=forms.HiddenInput())
    failure_message = _("Unable to update the remote cloud.")
    secrets_required = False

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        for name in client.SECRET_FIELDS:
            self.fields[name].help_text = _("Leave empty to keep the stored "
                                            "secret.")

    def send(self, request, fields):
        return glint.cloud_update(request, self.initial['cloud_id'], fields)

    @sensitive_variables('data', 'fields')
    def handle(self, request, data):
        changed = [name for name in self.changed_data if name != 'cloud_id']
        fields = self.fields_for_api(data, changed)
        if 'auth_type' in fields:
            # Another auth type: its fields all go, defaults included.
            fields.update(self.fields_for_api(data, self.fields))
            fields.pop('cloud_id', None)
        cloud = self.save(request, fields) if fields else True
        if cloud:
            messages.success(request, _('Updated remote cloud "%s".')
                             % data['name'])
        return cloud
