"""Sign-in pages that a person opens before they can sign in, so outside the admin's own
URLs (which send anyone not signed in to the sign-in page)."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "enrol/<int:user_id>/<str:token>/",
        views.open_enrolment_link,
        name="accounts_open_enrolment_link",
    ),
    path("enrol/", views.enrol, name="accounts_enrol"),
]
