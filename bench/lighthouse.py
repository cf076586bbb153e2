"""Lighthouse's four scores for the pages visitors land on, under the production stack.

The site runs as `make serve` runs it (production settings, hashed and compressed static
files, gunicorn) on a loopback port, behind a stand-in for the TLS proxy
(behind_tls_proxy.py). Lighthouse, the project's npm dev dependency, audits home, platform and
sign-up in English and Uyghur with Debian's Chromium, as a phone on a slow network (its
default). Prints one line per page and exits non-zero below MINIMUM_SCORE.

Environment as bench/run.py (BENCH_DATABASE_URL, BENCH_REDIS_URL); CHROME_PATH names the
browser (default /usr/bin/chromium). Slow (about a minute a page), so not part of CI.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from run import (
    GUNICORN_CONFIG,
    PROJECT_DIR,
    PYTHON,
    Server,
    ensure_database,
    manage,
    say,
    site_environment,
)

LIGHTHOUSE = PROJECT_DIR / "node_modules" / ".bin" / "lighthouse"
PAGES = ["/en/", "/en/platform/", "/en/sign-up/", "/ug/", "/ug/platform/", "/ug/sign-up/"]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
MINIMUM_SCORE = 95
CHROME_FLAGS = " ".join(
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
    ]
)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scores(url, report_dir):
    report = report_dir / (url.strip("/").replace("/", "-").replace(":", "") + ".json")
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        check=True,
        env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
    )
    categories = json.loads(report.read_text())["categories"]
    return {name: round(categories[name]["score"] * 100) for name in CATEGORIES}


def main():
    if not LIGHTHOUSE.exists():
        sys.exit("lighthouse: run `npm ci` first (it is a dev dependency in package.json)")
    ensure_database()
    say("Preparing the database and static files (production settings)")
    manage("migrate", "--no-input", "-v0", "--skip-checks")
    manage("collectstatic", "--no-input", "-v0")
    manage("load_campaign_content", "--skip-checks")
    port = free_port()
    server = Server(
        "site",
        port,
        [
            PYTHON,
            "-m",
            "gunicorn",
            "-c",
            GUNICORN_CONFIG,
            "--pythonpath",
            str(PROJECT_DIR / "bench"),
        ]
        + ["behind_tls_proxy:application"],
        environment=site_environment(PORT=str(port)),
    )
    failures = []
    try:
        report_dir = Path(tempfile.mkdtemp(prefix="campaign-lighthouse-"))
        print("page".ljust(16) + "".join(name.rjust(16) for name in CATEGORIES))
        for path in PAGES:
            result = scores(server.url(path), report_dir)
            print(path.ljust(16) + "".join(str(result[name]).rjust(16) for name in CATEGORIES))
            failures += [(path, name) for name in CATEGORIES if result[name] < MINIMUM_SCORE]
    finally:
        server.stop()
    if failures:
        sys.exit(f"lighthouse: below {MINIMUM_SCORE}: {failures}")


if __name__ == "__main__":
    main()
