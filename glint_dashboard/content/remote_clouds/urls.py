from django.urls import re_path

from glint_dashboard.content.remote_clouds import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^create/$', views.CreateView.as_view(), name='create'),
    re_path(r'^(?P<cloud_id>[^/]+)/update/$', views.UpdateView.as_view(),
            name='update'),
]
