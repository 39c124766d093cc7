from django.db import models


class DemoBuild(models.Model):
    """The record of a built demo city and its manifest of planted faults."""

    built_at = models.DateTimeField(auto_now_add=True)
    seed = models.IntegerField()
    parcels = models.PositiveIntegerField()
    seconds = models.FloatField()
    manifest = models.JSONField(default=dict)

    def __str__(self):
        return f"demo city seed {self.seed}, {self.parcels} parcels"
