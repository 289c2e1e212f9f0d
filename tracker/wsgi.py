import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
application = get_wsgi_application()

# Import the URLconf (and with it every view, the API schema and the charts) while the
# worker boots, not on its first request: otherwise the first tap after each deploy or
# worker restart waits seconds for the imports (bench.profile saw 2–10 s).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
