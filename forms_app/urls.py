from django.urls import path

from . import views

app_name = "forms_app"

urlpatterns = [
    path("supporters/confirm/<str:token>/", views.confirm_subscription, name="confirm"),
    path("supporters/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("supporters/welcome-back/<str:token>/", views.welcome_back, name="welcome_back"),
]
