import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

TOKEN_HASH_SALT = "cms.accounts.EnrolmentLink"


def token_hash(user, token):
    """A hash keyed with SECRET_KEY and bound to the user: the database alone gives neither
    the link nor a way to test guesses, and a token is worth nothing for another account."""
    return salted_hmac(TOKEN_HASH_SALT, f"{user.pk}:{token}", algorithm="sha256").hexdigest()


class EnrolmentLink(models.Model):
    """A single-use link, sent by email, through which one person sets up their second
    sign-in step (and chooses their password, for a new account). The link itself is never
    stored: only a keyed hash of its token."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Set-up link for {self.user}"

    @classmethod
    def issue(cls, user, sent_by):
        """Makes a new link for the user, which replaces any unused one, and returns its
        token: the only moment the token exists outside the email."""
        token = secrets.token_urlsafe(32)
        cls.objects.filter(user=user, used_at=None).delete()
        cls.objects.create(
            user=user,
            token_hash=token_hash(user, token),
            sent_by=sent_by,
            expires_at=timezone.now() + settings.ENROLMENT_LINK_MAX_AGE,
        )
        return token

    @classmethod
    def usable(cls):
        return cls.objects.filter(used_at=None, expires_at__gt=timezone.now())

    @classmethod
    def find(cls, user, token):
        """The user's link with this token, if it has not expired or been used."""
        return cls.usable().filter(user=user, token_hash=token_hash(user, token)).first()
