import uuid

from django.db import models


class ContentVersion(models.Model):
    """One row, replaced with a new token whenever public content changes. Every cached page and
    part is kept under the token current when it was made, so a change is never forgotten by the
    cache: the token is written in the same transaction as the change itself."""

    token = models.UUIDField(default=uuid.uuid4)

    def __str__(self):
        return self.token.hex
