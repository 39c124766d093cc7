"""The indicators' calendar, kept as a table so that a million tasks are joined to an indexed table the
planner knows (its size and values), as a bare SQL aggregate would be."""

from django.db import models


class CalendarDay(models.Model):
    """One Tehran date of the period the review indicators cover: its Jalali month and the running count of
    working days (core.calendar's rules) from the period's first date, so that a task's working days are one
    subtraction. Written only by ``indicators.services.refresh_calendar``; all rows share one origin."""

    day = models.DateField(primary_key=True)
    month = models.CharField(max_length=7, help_text="Jalali year and month, as 1405-09")
    working_index = models.IntegerField(help_text="working days from the period's first date to this one")

    class Meta:
        ordering = ["day"]

    def __str__(self):
        return f"{self.day} ({self.month}) {self.working_index}"
