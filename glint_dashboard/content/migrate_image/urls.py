from django.urls import re_path

from glint_dashboard.content.migrate_image import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^migrate/$', views.MigrateView.as_view(), name='migrate'),
    re_path(r'^download/(?P<cloud_id>[^/]+)/(?P<image_id>[^/]+)/$',
            views.DownloadView.as_view(), name='download'),
    re_path(r'^upload/$', views.UploadView.as_view(), name='upload'),
]
