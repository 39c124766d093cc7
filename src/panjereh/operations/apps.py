from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "panjereh.operations"
    label = "operations"
    verbose_name = _("Operations: what the operators watch")

    def ready(self):
        from prometheus_client import REGISTRY

        from panjereh.operations.metrics import QueueCollector

        if not any(isinstance(c, QueueCollector) for c in list(REGISTRY._collector_to_names)):
            REGISTRY.register(QueueCollector())
