"""Add and edit a remote cloud: every auth type, secrets never shown back.

The field names are the API's, so that an error Glint gives about a field
is shown under that field; any other refusal (the remote Keystone refused
the credentials, say) is shown at the top of the form.
"""

import re

from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from horizon import forms
from horizon import messages

from glint_dashboard.api import glint
from glint_dashboard import exceptions as glint_exceptions
from glint_dashboard import form_errors
from glintclient import client

PASSWORD = client.PASSWORD
APPLICATION_CREDENTIAL = client.APPLICATION_CREDENTIAL
OIDC_CLIENT_CREDENTIALS = client.OIDC_CLIENT_CREDENTIALS
OIDC_REFRESH_TOKEN = client.OIDC_REFRESH_TOKEN
X509 = client.X509
AUTH_TYPES = ((PASSWORD, _('Password')),
              (APPLICATION_CREDENTIAL, _('Application credential')),
              (OIDC_CLIENT_CREDENTIALS, _('OpenID Connect client')),
              (OIDC_REFRESH_TOKEN, _('OpenID Connect refresh token')),
              (X509, _('X.509 certificate')))
INTERFACES = (('public', _('Public')), ('internal', _('Internal')),
              ('admin', _('Admin')))
OIDC = (OIDC_CLIENT_CREDENTIALS, OIDC_REFRESH_TOKEN)
FEDERATED = OIDC + (X509,)
# The fields the form asks for when creating a cloud of each auth type.
REQUIRED = {PASSWORD: ('username', 'password', 'project_name'),
            APPLICATION_CREDENTIAL: client.AUTH_FIELDS[
                APPLICATION_CREDENTIAL],
            OIDC_CLIENT_CREDENTIALS: ('identity_provider', 'client_id',
                                      'client_secret', 'project_name'),
            OIDC_REFRESH_TOKEN: ('identity_provider', 'client_id',
                                 'refresh_token', 'project_name'),
            X509: ('identity_provider', 'client_cert', 'client_key',
                   'project_name')}
_PEM = re.compile(r'-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----',
                  re.DOTALL)


def _switched(label, auth_types, secret=False, textarea=False, **attrs):
    """A widget shown only when one of ``auth_types`` is chosen."""
    if isinstance(auth_types, str):
        auth_types = (auth_types,)
    attrs.update({'class': 'switched', 'data-switch-on': 'authtype'})
    for auth_type in auth_types:
        attrs['data-authtype-%s' % auth_type] = label
    if secret:
        attrs['autocomplete'] = 'off'
        return forms.PasswordInput(attrs=attrs, render_value=False)
    if textarea:
        attrs['rows'] = 4
        return forms.Textarea(attrs=attrs)
    return forms.TextInput(attrs=attrs)


def pem_lines(text):
    """PEM blocks as OpenSSL reads them, whatever a form did to the lines.

    A password input drops the line breaks of a pasted key: each block's
    base64 is put back on lines of 64 characters.
    """
    blocks = []
    for label, body in _PEM.findall(text or ''):
        body = ''.join(body.split())
        blocks.append('-----BEGIN %s-----\n%s\n-----END %s-----\n' % (
            label, '\n'.join(body[i:i + 64]
                             for i in range(0, len(body), 64)), label))
    return ''.join(blocks) or text


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
    identity_provider = forms.CharField(
        max_length=255, required=False,
        widget=_switched(_("Identity Provider"), FEDERATED),
        help_text=_("The identity provider's name in the remote Keystone "
                    "(egi.eu for EGI Check-in)."))
    protocol = forms.CharField(
        max_length=255, required=False,
        widget=_switched(_("Federation Protocol"), FEDERATED),
        help_text=_("Empty: openid, or x509 for a certificate."))
    discovery_endpoint = forms.CharField(
        max_length=1024, required=False,
        widget=_switched(_("Discovery URL"), OIDC),
        help_text=_("The provider's .well-known/openid-configuration; or "
                    "give its token endpoint instead."))
    access_token_endpoint = forms.CharField(
        max_length=1024, required=False,
        widget=_switched(_("Token Endpoint"), OIDC))
    client_id = forms.CharField(
        max_length=255, required=False,
        widget=_switched(_("Client ID"), OIDC))
    client_secret = forms.CharField(
        max_length=4096, required=False,
        widget=_switched(_("Client Secret"), OIDC, secret=True))
    refresh_token = forms.CharField(
        max_length=8192, required=False,
        widget=_switched(_("Refresh Token"), OIDC_REFRESH_TOKEN,
                         secret=True),
        help_text=_("Glint exchanges it for access tokens and keeps the "
                    "new one when the provider rotates it."))
    scope = forms.CharField(
        max_length=255, required=False,
        widget=_switched(_("OpenID Connect Scope"), OIDC),
        help_text=_("Empty: openid for a client."))
    client_cert = forms.CharField(
        max_length=65536, required=False,
        widget=_switched(_("Client Certificate (PEM)"), X509,
                         textarea=True))
    client_key = forms.CharField(
        max_length=65536, required=False,
        widget=_switched(_("Private Key (PEM)"), X509, secret=True),
        help_text=_("Paste the whole PEM key, without a passphrase; it is "
                    "stored encrypted and never shown again."))
    project_name = forms.CharField(
        max_length=255, required=False,
        widget=_switched(_("Project"), (PASSWORD,) + FEDERATED))
    project_domain_name = forms.CharField(
        max_length=255, required=False, initial='Default',
        widget=_switched(_("Project Domain"), (PASSWORD,) + FEDERATED))
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

    @sensitive_variables('data')
    def clean(self):
        data = super().clean()
        for name in ('client_cert', 'client_key'):
            if data.get(name):
                data[name] = pem_lines(data[name])
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
                      for name in auth_fields} - set(
            client.AUTH_FIELDS.get(data['auth_type'], ()))
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
            return form_errors.show(self, request, e, self.failure_message,
                                    (400, 409))


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
