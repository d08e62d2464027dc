"""Horizon's local settings for the test bed and the demo.

Horizon's settings import ``local.local_settings`` before anything else of
theirs; with this folder's parent first on ``PYTHONPATH``, this module is
that one, so the installed Horizon is used as it is and nothing is written
into it. The bed sets the values below in the environment.
"""

import os

from openstack_dashboard.local import enabled as local_enabled
from openstack_dashboard.settings import HORIZON_CONFIG

import glint_dashboard.enabled

STATE = os.environ['GLINT_HORIZON_STATE']

DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
SECRET_KEY = os.environ['GLINT_HORIZON_SECRET_KEY']
OPENSTACK_KEYSTONE_URL = os.environ['GLINT_HORIZON_KEYSTONE_URL']

# One process: in-memory caches. Sessions have one of their own (the login
# token is too big for a cookie): stylesheet compression fills the default
# cache, whose culling would otherwise log users out.
CACHES = {
    'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache',
                'OPTIONS': {'MAX_ENTRIES': 10000}},
    'sessions': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache',
                 'LOCATION': 'sessions', 'TIMEOUT': 3600,
                 'OPTIONS': {'MAX_ENTRIES': 10000}},
}
SESSION_ENGINE = 'django.contrib.sessions.backends.cache'
SESSION_CACHE_ALIAS = 'sessions'

# Stylesheets are compiled on the first request, into the bed's folder.
COMPRESS_OFFLINE = False
STATIC_ROOT = os.path.join(STATE, 'static')
MEDIA_ROOT = os.path.join(STATE, 'media')

# Login with an X.509 certificate (Keystone federation, protocol x509):
# the login page offers it, and sends the browser to the TLS front of
# Keystone that verifies the certificate; Keystone hands the token back
# to /auth/websso/. Only when the bed gives the front (Horizon's
# x509_login).
if os.environ.get('GLINT_HORIZON_X509_IDP'):
    WEBSSO_ENABLED = True
    WEBSSO_CHOICES = (('credentials', 'Keystone Credentials'),
                      ('x509', 'X.509 certificate'))
    WEBSSO_IDP_MAPPING = {
        'x509': (os.environ['GLINT_HORIZON_X509_IDP'], 'x509')}
    WEBSSO_KEYSTONE_URL = os.environ['GLINT_HORIZON_WEBSSO_URL']
    # The page Keystone answers posts the token back to the page the
    # login started from: never taken from the Referer header.
    WEBSSO_USE_HTTP_REFERER = False
    OPENSTACK_SSL_CACERT = os.environ['GLINT_HORIZON_CACERT']

# These clouds have no Nova: the Project overview would answer 403.
HORIZON_CONFIG['user_home'] = '/project/migrate_image/'

# Glint's enabled files, as DevStack links them into local/enabled.
local_enabled.__path__.append(glint_dashboard.enabled.__path__[0])

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'loggers': {'': {'handlers': ['console'], 'level': 'INFO'}},
}
