from django.apps import AppConfig


class CrisisConfig(AppConfig):
    name = "panjereh.crisis"
    label = "crisis"
    verbose_name = "Consistency checks and crisis response"
