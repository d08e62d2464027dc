from django.urls import re_path

from glint_dashboard.content.certificate_users import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^add/$', views.AddView.as_view(), name='add'),
]
