"""The one agency named in code: the municipality holds the single window, bills for it and issues the permits (by
law, in every Iranian city). Every other agency's part is data — its rows, edited in the admin. A module without
models, so the permission app can read it while Django is still loading the apps."""

MUNICIPALITY = "municipality"
