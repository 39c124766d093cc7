"""The deployment's URLs without the public pages and desks that some practices are (a city that has not turned
them on): a practice answered by probing its page must then be *not met*."""

from django.urls import include, path

from panjereh import urls as full
from panjereh.web import urls as web

GONE = {"precheck", "procedure", "utility-terms", "complaints", "appeals", "construction-inspections"}

web_without = [p for p in web.urlpatterns if getattr(p, "name", None) not in GONE]
urlpatterns = [p for p in full.urlpatterns if getattr(p, "urlconf_name", None) is not web] + [
    path("", include(web_without))]
