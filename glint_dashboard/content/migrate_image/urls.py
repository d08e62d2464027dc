from django.urls import re_path

from glint_dashboard.content.migrate_image import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^migrate/$', views.MigrateView.as_view(), name='migrate'),
]
