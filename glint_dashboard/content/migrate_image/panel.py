from django.utils.translation import gettext_lazy as _

import horizon


class MigrateImage(horizon.Panel):
    name = _("Migrate Image")
    slug = 'migrate_image'
    permissions = ('openstack.services.image-distribution',)
