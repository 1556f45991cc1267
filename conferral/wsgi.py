import os

from django.core.wsgi import get_wsgi_application

from conferral.core.wsgi_drain import draining

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conferral.settings")
application = draining(get_wsgi_application())
