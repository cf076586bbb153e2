"""The site as gunicorn serves it (cms.wsgi), with Google's reCAPTCHA check answered on this
machine: production settings refuse to start without real keys, and the bench reaches no other
server. Faked at the network boundary, as the tests fake it."""

from django_recaptcha import client
from django_recaptcha.client import RecaptchaResponse


def answer_as_google(recaptcha_response, private_key, remoteip):
    return RecaptchaResponse(is_valid=True, extra_data={"score": 0.9}, action="submit")


client.submit = answer_as_google

from cms.wsgi import application  # noqa: E402, F401
