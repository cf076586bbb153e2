"""Characters a visitor can send that no text field can hold: NUL, which PostgreSQL refuses in
text, and a lone UTF-16 surrogate, which JSON can write (`"\\ud83d"`) but no UTF-8 text can
hold, and which PostgreSQL refuses in JSON, quoting the whole document in its log. Both are
refused with a clear 400 before they reach a form, a query or a log line."""

import re

from django.http import HttpResponseBadRequest, JsonResponse

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_storable(text):
    return UNSTORABLE.search(text) is None


class UnstorableQueryMiddleware:
    """A query string with a NUL in it (`?search=%00`) is a 400 for every page and endpoint,
    which would otherwise hand it to the database. A URL cannot carry a lone surrogate: Django
    decodes what is not UTF-8 as U+FFFD."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", "") and not all(
            is_storable(text) for name, values in request.GET.lists() for text in (name, *values)
        ):
            message = "A parameter in the address holds a NUL character, which nothing here takes."
            if request.path_info.startswith("/api/"):
                return JsonResponse({"message": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
