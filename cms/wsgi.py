import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

application = get_wsgi_application()

# Imported once Django is set up, which the line above does.
from cms.pagecache.wsgi import KeptPageApplication  # noqa: E402

application = KeptPageApplication(application)
