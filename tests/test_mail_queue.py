"""Production queues emails in the database: a sign-up's answer waits for nothing but its own
storage, and `manage.py db_worker --backend email` sends what is queued."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from forms_app.mail import send_email
from forms_app.models import OutgoingEmail

from .forms_helpers import SIGNUP_ANSWERS, submit

pytestmark = pytest.mark.usefixtures("answering_at_test_speed")


@pytest.fixture
def queued_emails(settings):
    settings.TASKS = {
        **settings.TASKS,
        "email": {"BACKEND": settings.EMAIL_QUEUE_BACKENDS["database"]},
    }


# Committed for real, as the worker takes its tasks in transactions of its own.
@pytest.mark.django_db(transaction=True)
def test_sign_up_queues_its_email_and_the_worker_sends_it(queued_emails, signup_form, client):
    response = submit(client, signup_form, SIGNUP_ANSWERS)

    assert "Thank you" in response.text
    assert mail.outbox == []
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.QUEUED
    task = DBTaskResult.objects.get()
    # The queue holds the message's number only, never what the supporter typed.
    assert SIGNUP_ANSWERS["email"] not in str(task.args_kwargs)

    call_command(
        "db_worker", "--backend", "email", "--batch", "--no-startup-delay", stdout=io.StringIO()
    )

    assert [message.to for message in mail.outbox] == [[SIGNUP_ANSWERS["email"]]]
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_an_email_is_queued_with_its_data_or_not_at_all(queued_emails, signup_form):
    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        send_email("sam@example.net", "Please confirm your sign-up", "Open this link.")
        assert DBTaskResult.objects.count() == 1
        raise RolledBack

    assert not OutgoingEmail.objects.exists()
    assert not DBTaskResult.objects.exists()
