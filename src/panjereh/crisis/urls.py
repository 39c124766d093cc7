from django.urls import path

from panjereh.crisis import board, findings_desk, views

urlpatterns = [
    path("incidents/<id:pk>/report/", views.incident_report, name="incident-report"),
    path("crisis/", board.board, name="crisis"),
    path("crisis/<id:pk>/", board.incident_page, name="crisis-incident"),
    path("findings/", findings_desk.findings_desk, name="findings"),
    path("findings/run/", findings_desk.run_now, name="findings-run"),
]
