"""Production settings without the whole-page cache, for what an uncached page costs: the parts
of pages that the site keeps between requests are kept as in production (bench/run.py)."""

from cms.settings.production import *  # noqa: F403

MIDDLEWARE = [name for name in MIDDLEWARE if not name.endswith("PageCacheMiddleware")]  # noqa: F405
