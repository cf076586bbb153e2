from django.urls import path

from . import views

app_name = "sponsors"
urlpatterns = [
    path("confirm/<str:token>/", views.ConfirmEndorsementView.as_view(), name="confirm"),
    path("withdraw/<str:token>/", views.WithdrawEndorsementView.as_view(), name="withdraw"),
]
