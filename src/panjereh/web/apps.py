from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "panjereh.web"
    label = "web"
    verbose_name = "Web pages"
