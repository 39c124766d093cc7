from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "panjereh.permits"
    label = "permits"
    verbose_name = "Single window: applications, reviews, bills, permits"
