"""Email addresses in the only forms that outlive them: keyed hashes.

A plain SHA-256 of an address can be tested against a list of candidate addresses by anyone
holding a copy of the database or a server log; an HMAC cannot, without EMAIL_HASH_KEY, which
lives in the environment, never in the database or its backups.

Everything starts from one value per address, its *link value*: an HMAC of the SHA-256 of the
address's mailbox. Unsubscribe links carry it (signed); the suppression record and the mail
counters are HMACs of it under purposes of their own. So a link never shows what is stored,
and an unsubscribe link alone is enough to write the suppression record, even when nothing
else about the address is left. Starting from the SHA-256 rather than the address is what let
the old suppression records, which held only that digest, be converted (migration 0002).

EMAIL_HASH_KEY makes new values; EMAIL_HASH_KEY_FALLBACKS are older keys, still used to find
what they made. Values carry the short id of the key that made them (`key_id`)."""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings

# Gmail ignores dots in the part before the @, and delivers googlemail.com to gmail.com.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}

LINK = "unsubscribe-link"
SUPPRESSION = "suppression"
MAIL_COUNT = "mail-count"


def mailbox(address):
    """The mailbox an address delivers to, as far as common conventions tell: alex@, ALEX@,
    alex+news@ and (at Gmail) a.lex@ are one person, for the mail limits and for suppression
    alike. It is never used to send."""
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def digest(text):
    """SHA-256, hex: the unkeyed first step, never stored on its own."""
    return hashlib.sha256(text.encode()).hexdigest()


def keyed_hash(purpose, value, key):
    return hmac.new(key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def hash_keys():
    """The key that makes new values, then the older ones still accepted."""
    return [settings.EMAIL_HASH_KEY, *settings.EMAIL_HASH_KEY_FALLBACKS]


def key_id(key):
    """A short name for a key that tells nothing about it."""
    return keyed_hash("key-id", "", key)[:8]


@dataclass(frozen=True)
class HashedAddress:
    """One address's link value under one key, from which its stored hashes follow."""

    key_id: str
    link_value: str

    @classmethod
    def from_digest(cls, address_digest, key=None):
        key = key or settings.EMAIL_HASH_KEY
        return cls(key_id(key), keyed_hash(LINK, address_digest, key))

    @classmethod
    def of(cls, address, key=None):
        return cls.from_digest(digest(mailbox(address)), key)

    @classmethod
    def every_form_of(cls, address):
        """The address under every key, as its mailbox and as typed (lower case): suppression
        records made before mailboxes were compared hold the address as typed."""
        forms = {digest(mailbox(address)), digest(address.strip().lower())}
        return [cls.from_digest(form, key) for key in hash_keys() for form in sorted(forms)]

    @property
    def key(self):
        """The configured key that made this value, or None once it is no longer configured."""
        return next((key for key in hash_keys() if key_id(key) == self.key_id), None)

    @property
    def is_current(self):
        return self.key_id == key_id(settings.EMAIL_HASH_KEY)

    def suppression_hash(self):
        return keyed_hash(SUPPRESSION, self.link_value, self.key)

    def mail_count_hash(self):
        return keyed_hash(MAIL_COUNT, self.link_value, self.key)

    def matches(self, address):
        """Whether an address (as stored somewhere in full) is this one."""
        key = self.key
        return key is not None and hmac.compare_digest(
            HashedAddress.of(address, key).link_value, self.link_value
        )
