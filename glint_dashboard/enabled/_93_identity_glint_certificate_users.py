"""Identity > Certificate Users: who logs in with an X.509 certificate.

For admins (see the panel); in Horizon's Identity dashboard, beside its
own Users and Projects.
"""

from glint_dashboard import exceptions

PANEL = 'certificate_users'
PANEL_DASHBOARD = 'identity'
PANEL_GROUP = 'default'
ADD_PANEL = ('glint_dashboard.content.certificate_users.panel.'
             'CertificateUsers')
# glint_dashboard is installed by _91 (once: Django refuses an app twice).
ADD_EXCEPTIONS = {
    'recoverable': (exceptions.GlintError,),
    'not_found': (exceptions.NotFound,),
    'unauthorized': (exceptions.Unauthorized,),
}
