"""Sign-ups as a crowd sends them (run by bench/run.py with the site's environment).

Many visitors open the sign-up form, each from their own address behind the proxy, then all
send it at once. Sign-ups per second and latency are measured on the sends, each with the
thank-you page it is redirected to; the stored count is read back from PostgreSQL, and then
how long after the last sign-up the email worker had sent every confirmation. Prints JSON:
per_second, p50_ms, p99_ms, sent, accepted, stored, emails_sent, emails_sent_after_s.
"""

import http.client
import json
import os
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
django.setup()

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from forms_app.models import CampaignFormSubmission, OutgoingEmail, SignupFormPage  # noqa: E402

SIGNUPS = int(os.environ.get("BENCH_SIGNUPS", "600"))
CONCURRENCY = int(os.environ.get("BENCH_CONNECTIONS", "8"))
EMAIL_WAIT_SECONDS = 300


class FormFields(HTMLParser):
    """The fields of the page's POST form, filled in as a supporter would."""

    def __init__(self):
        super().__init__()
        self.in_form = False
        self.data = []
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind == "hidden":
                # The captcha's token is what Google's script puts there in a browser
                # (the site under the bench answers Google's check itself).
                default = "token-from-google" if name == "captcha" else ""
                self.data.append((name, attrs.get("value") or default))
            elif kind == "email":
                self.data.append((name, f"bench-{uuid.uuid4().hex}@example.org"))
            elif kind == "checkbox":
                self.data.append((name, attrs.get("value", "on")))
            elif kind == "radio" and name not in dict(self.data):
                self.data.append((name, attrs.get("value", "")))
            elif kind in ("text", "tel") and "fax" not in name:  # the honeypot stays empty
                self.data.append((name, "Bench Supporter"))
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and attrs.get("value"):
            self.data.append((self.select, attrs["value"]))
            self.select = None

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None


def request(base, method, path, number, body=None, headers=None):
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    headers = {
        "X-Forwarded-Proto": "https",
        # Each supporter comes from their own address, as the proxy reports it.
        "X-Forwarded-For": f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}",
        **(headers or {}),
    }
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    content = response.read().decode()
    connection.close()
    return response, content


def open_form(base, path, number):
    response, content = request(base, "GET", path, number)
    cookie = SimpleCookie(response.getheader("Set-Cookie", ""))
    fields = FormFields()
    fields.feed(content)
    return number, cookie[settings.CSRF_COOKIE_NAME].value, fields.data


def send_form(base, path, opened):
    number, csrf_cookie, data = opened
    origin = f"https://{urlsplit(base).netloc}"
    started = time.perf_counter()
    response, _ = request(
        base,
        "POST",
        path,
        number,
        body=urlencode(data),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"{settings.CSRF_COOKIE_NAME}={csrf_cookie}",
            "Origin": origin,
            "Referer": origin + path,
        },
    )
    # An accepted sign-up is redirected to the thank-you page, which the browser then loads
    # (from the page cache); a refused one gets the form back.
    accepted = response.status == 303
    if accepted:
        thank_you_path = urlsplit(response.getheader("Location")).path
        thanks, content = request(base, "GET", thank_you_path, number)
        accepted = thanks.status == 200 and 'name="form_token"' not in content
    elapsed_ms = (time.perf_counter() - started) * 1000
    return accepted, elapsed_ms


def emails_sent_after(confirmations, expected):
    """Seconds until `expected` of the confirmations were sent (at most EMAIL_WAIT_SECONDS)."""
    started = time.perf_counter()
    while time.perf_counter() - started < EMAIL_WAIT_SECONDS:
        if confirmations.filter(status=OutgoingEmail.Status.SENT).count() >= expected:
            break
        time.sleep(0.1)
    return time.perf_counter() - started


def main(base):
    page = SignupFormPage.objects.live().filter(locale__language_code="en").first()
    stored_before = CampaignFormSubmission.objects.filter(page=page).count()
    confirmations = OutgoingEmail.objects.filter(
        created_at__gte=timezone.now(), recipient__startswith="bench-"
    )
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        opened = list(pool.map(lambda n: open_form(base, page.url, n), range(SIGNUPS)))
        # Nobody fills in a form faster than the guard allows.
        time.sleep(settings.FORMS_MIN_SECONDS_TO_SUBMIT)
        started = time.perf_counter()
        results = list(pool.map(lambda form: send_form(base, page.url, form), opened))
        elapsed = time.perf_counter() - started
    latencies = sorted(ms for _, ms in results)
    accepted = sum(accepted for accepted, _ in results)
    emails_sent_after_s = emails_sent_after(confirmations, accepted)
    print(
        json.dumps(
            {
                "per_second": len(results) / elapsed,
                "p50_ms": statistics.median(latencies),
                "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
                "sent": len(results),
                "accepted": accepted,
                "stored": CampaignFormSubmission.objects.filter(page=page).count() - stored_before,
                "emails_sent": confirmations.filter(status=OutgoingEmail.Status.SENT).count(),
                "emails_sent_after_s": emails_sent_after_s,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
