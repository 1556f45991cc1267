import os

from django.core.wsgi import get_wsgi_application

from conferral.core.wsgi_drain import draining

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conferral.settings")
django_application = get_wsgi_application()

# Imported once Django is set up: the tracking fast path uses the models.
from conferral.tracking.fastpath import tracking_first  # noqa: E402

application = draining(tracking_first(django_application))
