from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("meetings/registration/confirm/<str:token>/", views.confirm_registration, name="confirm"),
    path("meetings/registration/cancel/<str:token>/", views.cancel_registration, name="cancel"),
]
