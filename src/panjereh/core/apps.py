from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as StaticFilesConfigBase
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "panjereh.core"
    label = "core"
    verbose_name = _("Panjereh core")


class StaticFilesConfig(StaticFilesConfigBase):
    """Django's static files, without what the npm packages ship for developers: source maps, unminified
    development builds, type declarations, CommonJS copies and the CSP builds we do not load. They were most
    of the 92 MB collectstatic copied and compressed (about a minute and a half of a fresh `make run`); no
    page asks for them."""

    ignore_patterns = [*StaticFilesConfigBase.ignore_patterns, "*.map", "*-dev.js", "*.d.ts", "*.cjs",
                       "maplibre-gl-csp*"]
