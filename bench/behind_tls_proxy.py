"""The site as the TLS proxy in front hands it requests: each one marked as having come over
https (X-Forwarded-Proto), so that production settings serve it instead of redirecting. For
tools that fetch more than the page itself, like Lighthouse (robots.txt, the icon)."""

from cms.wsgi import application as site


def application(environ, start_response):
    environ["HTTP_X_FORWARDED_PROTO"] = "https"
    return site(environ, start_response)
