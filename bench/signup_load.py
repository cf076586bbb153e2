"""Many people sign up at the same moment: is every sign-up stored exactly once?

Serves the site with gunicorn (gunicorn.conf.py) under production settings on the PostgreSQL
database in DATABASE_URL, with a real SMTP server (aiosmtpd) on loopback taking the
confirmation emails. Each simulated visitor loads the sign-up page (its own CSRF cookie and
one-off form token), waits the form's minimum time, then all of them post at once, each from
its own address (X-Forwarded-For, as the proxy would set it). Prints what was sent, stored,
duplicated and lost, the server errors, and the latency percentiles of the posts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_bench \\
        .venv/bin/python bench/signup_load.py --signups 500

The database is migrated and given the campaign's content if it has none; earlier runs'
sign-ups are left alone (each run uses its own addresses).
"""

import argparse
import http.client
import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def production_environment(port, smtp_port):
    return {
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(64),
        "EMAIL_HASH_KEY": os.environ.get("EMAIL_HASH_KEY") or secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Production refuses to start without these; Google's check is answered on this
        # machine (bench/fake_google_wsgi.py).
        "SITE_URL": "https://campaign.example.org",
        "RECAPTCHA_PUBLIC_KEY": "bench-public-key",
        "RECAPTCHA_PRIVATE_KEY": "bench-private-key",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "PROXY_COUNT": "1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }


class Visitor:
    """One person at their own address, with the cookie and hidden fields of their page."""

    def __init__(self, base_url, path, number, run):
        self.host = urllib.parse.urlsplit(base_url).netloc
        self.path = path
        self.address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        self.email = f"load-{run}-{number}@example.org"
        self.cookie = ""
        self.hidden = {}

    def request(self, method, body=None, headers=None):
        connection = http.client.HTTPConnection(self.host, timeout=600)
        try:
            connection.request(
                method,
                self.path,
                body=body,
                headers={
                    # The proxy terminates TLS and says so; production redirects plain HTTP.
                    "X-Forwarded-Proto": "https",
                    "X-Forwarded-For": self.address,
                    "Cookie": self.cookie,
                    **(headers or {}),
                },
            )
            response = connection.getresponse()
            return response, response.read().decode()
        finally:
            connection.close()

    def load_form(self):
        response, html = self.request("GET")
        assert response.status == 200, f"form page answered {response.status}"
        self.cookie = "; ".join(
            header.split(";")[0]
            for name, header in response.getheaders()
            if name.lower() == "set-cookie"
        )
        self.hidden = dict(HIDDEN_INPUT.findall(html))

    def sign_up(self):
        answers = {
            **self.hidden,
            "name": f"Load Test {self.email}",
            "email": self.email,
            "country": "United Kingdom",
            "interests": "Hong Kong",
            "updates_consent": "on",
            # What Google's script puts in the form in a browser (bench/fake_google_wsgi.py).
            "captcha": "token-from-google",
        }
        body = urllib.parse.urlencode(answers)
        started = time.perf_counter()
        response, html = self.request(
            "POST",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{self.host}",
                "Referer": f"https://{self.host}{self.path}",
            },
        )
        return response.status, time.perf_counter() - started, html


class PeakConnections(threading.Thread):
    """Samples how many connections the site holds open to PostgreSQL."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0
        self.running = True

    def run(self):
        from django.db import connection

        while self.running:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                self.peak = max(self.peak, cursor.fetchone()[0])
            time.sleep(0.1)
        connection.close()


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_mail_server(port):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signups", type=int, default=500)
    parser.add_argument("--port", type=int, default=8690)
    parser.add_argument("--smtp-port", type=int, default=8691)
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is migrated if needed).")
    os.environ.update(production_environment(options.port, options.smtp_port))

    import django
    from django.core.management import call_command

    django.setup()
    from forms_app.models import CampaignFormSubmission, SignupFormPage, Subscriber

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_campaign_content", if_empty=True, verbosity=0)
    signup_page = SignupFormPage.objects.live().filter(locale__language_code="en").get()

    mail_server = start_mail_server(options.smtp_port)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.fake_google_wsgi:application"]
        + ["--backlog", "2048"],
        cwd=PROJECT_DIR,
        env=os.environ.copy(),
    )
    peak = PeakConnections()
    try:
        base_url = f"http://127.0.0.1:{options.port}"
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", options.port, timeout=1).connect()
                break
            except OSError:
                time.sleep(0.2)
        run = secrets.token_hex(3)
        visitors = [
            Visitor(base_url, signup_page.url, number, run) for number in range(options.signups)
        ]
        with ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(Visitor.load_form, visitors))
        from django.conf import settings

        time.sleep(settings.FORMS_MIN_SECONDS_TO_SUBMIT + 0.5)

        from django.db import connection

        connection.close()  # so that the count below is the site's connections only
        peak.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=options.signups) as pool:
            results = list(pool.map(Visitor.sign_up, visitors))
        elapsed = time.perf_counter() - started
        peak.running = False
        peak.join()
    finally:
        server.terminate()
        server.wait(30)
        mail_server.stop()

    statuses = [status for status, _, _ in results]
    latencies = [seconds for _, seconds, _ in results]
    thanked = sum(1 for status, _, html in results if status == 200 and "Thank you" in html)
    emails = {visitor.email for visitor in visitors}
    stored = [
        submission.form_data["email"]
        for submission in CampaignFormSubmission.objects.filter(
            page=signup_page, form_data__email__startswith=f"load-{run}-"
        )
    ]
    subscribers = Subscriber.objects.filter(email__startswith=f"load-{run}-").count()
    print(f"sent {len(visitors)} sign-ups at once in {elapsed:.1f} s")
    print(f"thanked {thanked}; statuses {dict(sorted(Counter(statuses).items()))}")
    print(
        f"stored {len(set(stored))}, duplicated {len(stored) - len(set(stored))}, "
        f"lost {len(emails - set(stored))}, subscribers {subscribers}"
    )
    print(f"server errors (5xx) {sum(1 for status in statuses if status >= 500)}")
    print(
        f"latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p90 {percentile(latencies, 0.9) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms"
    )
    print(f"peak PostgreSQL connections held by the site: {peak.peak}")
    ok = (
        len(stored) == len(emails) == len(set(stored)) == thanked
        and not emails - set(stored)
        and all(status == 200 for status in statuses)
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
