"""Who reads the operators' metrics (``/metrics``) when signed in: coordinators and administrators. A scraper
(Prometheus) uses the deployment's metrics token instead (``PANJEREH_METRICS_TOKEN``)."""

from panjereh.access.roles import is_coordinator


def can_read_metrics(user) -> bool:
    return is_coordinator(user)
