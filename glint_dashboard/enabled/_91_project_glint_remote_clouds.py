"""Project > Glint > Remote Clouds."""

from glint_dashboard import exceptions

PANEL = 'remote_clouds'
PANEL_DASHBOARD = 'project'
PANEL_GROUP = 'glint'
ADD_PANEL = 'glint_dashboard.content.remote_clouds.panel.RemoteClouds'
ADD_INSTALLED_APPS = ['glint_dashboard']
ADD_EXCEPTIONS = {
    'recoverable': (exceptions.GlintError,),
    'not_found': (exceptions.NotFound,),
    'unauthorized': (exceptions.Unauthorized,),
}
