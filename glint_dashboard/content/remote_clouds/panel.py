from django.utils.translation import gettext_lazy as _

import horizon


class RemoteClouds(horizon.Panel):
    name = _("Remote Clouds")
    slug = 'remote_clouds'
    permissions = ('openstack.services.image-distribution',)
