"""Panjereh settings: one file, everything read from the environment.

Every variable is documented in docs/configuration.md.
"""

import os
import secrets
from pathlib import Path

from panjereh import sqlite_compat  # noqa: F401  (must run before Django imports sqlite3)
from panjereh.dburl import database_settings


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_floats(name: str, default: str) -> tuple[float, ...]:
    """Read a comma-separated list of numbers."""
    return tuple(float(part) for part in os.environ.get(name, default).split(","))


PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("PANJEREH_VAR_DIR", Path.cwd() / "var")).resolve()


def _private_var_dir() -> None:
    """var/ holds the SQLite database, keys, tiles and uploads: the service user's only (0700)."""
    try:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        if VAR_DIR.stat().st_uid == os.getuid():
            VAR_DIR.chmod(0o700)
    except OSError:  # a read-only or foreign var/: `panjereh doctor` reports it
        pass


_private_var_dir()


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into var/ (never in the repo)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("PANJEREH_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("PANJEREH_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_prometheus",
    "panjereh.core",
    "panjereh.cities",
    "panjereh.sms",
    "panjereh.agencies",
    "panjereh.access",
    "panjereh.citymap",
    "panjereh.billing",
    "panjereh.democity",
    "panjereh.permits",
    "panjereh.plancheck",
    "panjereh.integrations",
    "panjereh.crisis",
    "panjereh.works",
    "panjereh.indicators",
    "panjereh.citizens",
    "panjereh.web",
    "panjereh.operations",
]

MIDDLEWARE = [
    # first and last: each request's latency by view, for the operators (django-prometheus)
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # the database scoped to the staff member's cities for the request (row-level security on PostgreSQL)
    "panjereh.access.middleware.CityScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # last: turns a locked-out sign-in into the lockout page (django-axes)
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
# the scraper's token for /metrics (a deployment's secret, from the environment; empty: signed-in coordinators only)
PANJEREH_METRICS_TOKEN = os.environ.get("PANJEREH_METRICS_TOKEN", "")

ROOT_URLCONF = "panjereh.urls"
WSGI_APPLICATION = "panjereh.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "panjereh.web.context.menu",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
# spatialite:///path/file.sqlite3 (the embedded default) or postgis://user@host/db.
DEFAULT_DATABASE_URL = f"spatialite:///{VAR_DIR / 'panjereh.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
_db = database_settings(DATABASE_URL,
                        os.environ.get("PANJEREH_TEST_SQLITE", str(VAR_DIR / "test-panjereh.sqlite3")))
DATABASES = {"default": _db}
SPATIALITE_LIBRARY_PATH = os.environ.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- language, time -------------------------------------------------------
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", "فارسی"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Tehran"  # shown in Tehran time; stored in UTC
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end assets come from npm (package.json, installed by scripts/setup.sh) and are served by Panjereh
# itself: government intranets often have no internet, so there is no CDN. Only the built files are exposed.
ASSETS_DIR = Path(os.environ.get("PANJEREH_ASSETS_DIR", PACKAGE_DIR.parents[1] / "node_modules")).resolve()
STATICFILES_DIRS = [
    ("vendor/maplibre-gl", ASSETS_DIR / "maplibre-gl" / "dist"),
    ("vendor/vazirmatn", ASSETS_DIR / "vazirmatn" / "fonts" / "webfonts"),
    ("vendor/vazirmatn-ttf", ASSETS_DIR / "vazirmatn" / "fonts" / "ttf"),  # for the PDFs (WeasyPrint)
    ("vendor/bootstrap", ASSETS_DIR / "bootstrap" / "dist" / "css"),
    ("vendor/chart.js", ASSETS_DIR / "chart.js" / "dist"),
    ("vendor/mapbox-gl-rtl-text", ASSETS_DIR / "@mapbox" / "mapbox-gl-rtl-text" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Several application servers: a shared file system mounted at the same path on each (docs/operations.md).
MEDIA_ROOT = Path(os.environ.get("PANJEREH_MEDIA_DIR") or VAR_DIR / "media")
# Uploaded documents, photos and issued PDFs go through Django's storage API: the file system under var/ by
# default; an S3-compatible store (MinIO, a cloud's object storage) when PANJEREH_S3_BUCKET is set, through
# django-storages (pip install "panjereh[s3]"). Names are never reused and objects never overwritten.
if os.environ.get("PANJEREH_S3_BUCKET"):
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": os.environ["PANJEREH_S3_BUCKET"],
        "endpoint_url": os.environ.get("PANJEREH_S3_ENDPOINT") or None,
        "access_key": os.environ.get("PANJEREH_S3_ACCESS_KEY"), "secret_key": os.environ.get("PANJEREH_S3_SECRET_KEY"),
        "region_name": os.environ.get("PANJEREH_S3_REGION") or None,
        "file_overwrite": False, "default_acl": None, "querystring_auth": True}}
LOGIN_URL = "/login/"

# --- who may sign in, and how often --------------------------------------------------------------------
# Proxies of our own in front of Panjereh (each appends to X-Forwarded-For); 0: the header is ignored.
PANJEREH_TRUSTED_PROXIES = int(os.environ.get("PANJEREH_TRUSTED_PROXIES", "0"))
PANJEREH_API_TOKEN_DAYS = int(os.environ.get("PANJEREH_API_TOKEN_DAYS", "30"))
# A desktop GIS's user name and password, once verified, is remembered this long (agencies.map_basic).
PANJEREH_MAP_BASIC_CACHE_SECONDS = int(os.environ.get("PANJEREH_MAP_BASIC_CACHE_SECONDS", "300"))
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Failed sign-ins are counted per account and, separately, per address, in the database (so every worker
# and every server sees the same count); after AXES_FAILURE_LIMIT the account or address waits.
AXES_FAILURE_LIMIT = int(os.environ.get("PANJEREH_SIGNIN_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("PANJEREH_SIGNIN_COOLOFF_HOURS", "0.25"))
# the pair locks: one username from one address (web/signin.py says why), and an address alone waits only after
# PANJEREH_SIGNIN_FAILURES_PER_ADDRESS failures across usernames
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
PANJEREH_SIGNIN_FAILURES_PER_ADDRESS = int(os.environ.get("PANJEREH_SIGNIN_FAILURES_PER_ADDRESS", "60"))
AXES_CLIENT_IP_CALLABLE = "panjereh.core.clientip.client_ip"
AXES_LOCKOUT_TEMPLATE = "web/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff sessions end after PANJEREH_SESSION_HOURS (8: a working day) and when the browser closes.
SESSION_COOKIE_AGE = int(float(os.environ.get("PANJEREH_SESSION_HOURS", "8")) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Behind HTTPS (every deployment but a laptop demo): PANJEREH_HTTPS=1 turns on secure cookies, HSTS and the
# redirect to https (docs/operations.md; `panjereh check --deploy` is clean with it).
PANJEREH_HTTPS = env_bool("PANJEREH_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PANJEREH_HTTPS
SECURE_SSL_REDIRECT = PANJEREH_HTTPS and env_bool("PANJEREH_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("PANJEREH_HSTS_SECONDS", "31536000")) if PANJEREH_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PANJEREH_HTTPS
SECURE_HSTS_PRELOAD = PANJEREH_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PANJEREH_TRUSTED_PROXIES else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("PANJEREH_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# Content-Security-Policy (django-csp): everything from our own origin. The pages keep their CSS in <style>
# blocks (one file per page, no build step), hence 'unsafe-inline' for styles only; scripts are files.
# MapLibre runs its workers from blob: URLs and reads tiles and the OGC API from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "child-src": ["'self'", "blob:"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],  # the file page adds the bank's page (panjereh.web.views.file_page)
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- caches: limits hold across workers and servers -------------------------------------------------
# The database by default (every worker and server shares it); Redis when PANJEREH_REDIS_URL is set.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "panjereh_cache"}}
if os.environ.get("PANJEREH_REDIS_URL"):
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                         "LOCATION": os.environ["PANJEREH_REDIS_URL"]}
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "panjereh.agencies.staff_tokens.StaffTokenAuthentication",  # hashed, expiring staff tokens
        "rest_framework.authentication.SessionAuthentication",
    ] + (
        # HTTP basic credentials (GDAL_HTTP_USERPWD) only where a city turns them on: a token header does the
        # same for GDAL and QGIS, and a password sent with every request is a password to guess.
        ["rest_framework.authentication.BasicAuthentication"] if env_bool("PANJEREH_API_BASIC_AUTH") else []),
    "DEFAULT_PERMISSION_CLASSES": ["panjereh.access.middleware.ScopedIsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "panjereh.core.api_errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["panjereh.core.parsers.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # ?format= names a layer file format in exports; renderers are chosen by the Accept header.
    "URL_FORMAT_OVERRIDE": None,
    # Throttles count by the client address of panjereh.core.clientip (X-Forwarded-For only from our proxies).
    "NUM_PROXIES": int(os.environ.get("PANJEREH_TRUSTED_PROXIES", "0")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Panjereh API",
    "DESCRIPTION": "Urban services single window — پنجره واحد خدمات شهری",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # two "decision" fields: the single window's reviews and the municipality's excavation permits
    "ENUM_NAME_OVERRIDES": {"ExcavationDecisionEnum": ["grant", "refuse"],
                            "DecisionEnum": ["approve", "approve_with_conditions", "request_info", "reject"]},
    # Swagger UI from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "panjereh.core.openapi.add_error_responses"],
}

# --- Panjereh ---------------------------------------------------------------
# The city's extent in lon/lat (west, south, east, north): anything outside is refused on import.
PANJEREH_CITY_BBOX = env_floats("PANJEREH_CITY_BBOX", "48.45,31.10,48.90,31.55")
PANJEREH_CITY_NAME = os.environ.get("PANJEREH_CITY_NAME", "اهواز")
PANJEREH_CITY_NAME_EN = os.environ.get("PANJEREH_CITY_NAME_EN", "Ahvaz")
# The home city's code and permit-number prefix: the city every row belongs to unless another city is named
# (a deployment that serves one city never names another; a province adds cities with `panjereh createcity`).
PANJEREH_CITY_CODE = os.environ.get("PANJEREH_CITY_CODE", "ahvaz")
PANJEREH_CITY_PREFIX = os.environ.get("PANJEREH_CITY_PREFIX", "AHV")
# the public check before applying (/precheck/): lookups and checks per visitor's address per minute
PANJEREH_PRECHECK_PER_MINUTE = int(os.environ.get("PANJEREH_PRECHECK_PER_MINUTE", "30"))
# appeals of a refusal: the appeal body (the municipality's staff of this role) decides within these working days
PANJEREH_APPEAL_ROLE = os.environ.get("PANJEREH_APPEAL_ROLE", "signer")
PANJEREH_APPEAL_DAYS = int(os.environ.get("PANJEREH_APPEAL_DAYS", "10"))
# complaints about a connection or a bill: the agency answers within these working days, else it is escalated
PANJEREH_COMPLAINT_DAYS = int(os.environ.get("PANJEREH_COMPLAINT_DAYS", "7"))
# construction supervised by phase (permits/risk.py): the share of each risk class's phases the municipality
# inspects itself (drawn per file and phase; the final phase is always inspected), the working days it has to
# inspect, the highest class each licence grade may supervise or inspect, and whether the completion certificate
# waits for a passed final inspection
PANJEREH_INSPECTION_SAMPLING = {"A": 0.1, "B": 0.25, "C": 0.5, "D": 1.0}
PANJEREH_INSPECTION_DAYS = int(os.environ.get("PANJEREH_INSPECTION_DAYS", "5"))
PANJEREH_GRADE_HIGHEST_CLASS = {"3": "B", "2": "C", "1": "D", "senior": "D"}
PANJEREH_COMPLETION_NEEDS_FINAL_INSPECTION = os.environ.get("PANJEREH_COMPLETION_NEEDS_FINAL_INSPECTION",
                                                            "1") != "0"
# the national building regulations (مقررات ملی ساختمان), linked from every permit procedure page
PANJEREH_BUILDING_REGULATIONS_URL = os.environ.get("PANJEREH_BUILDING_REGULATIONS_URL", "https://inbr.ir/")
# The largest scale error a city's distances and areas may carry in the storage CRS (0.0005 = 0.05%): a city
# added to the deployment beyond it is refused (`panjereh createcity`), and `panjereh doctor --cities` reports it.
PANJEREH_MAX_SCALE_ERROR = float(os.environ.get("PANJEREH_MAX_SCALE_ERROR", "0.0005"))
# The city's centre (lon, lat): the demo city is built around it, and it chooses the storage CRS.
PANJEREH_CITY_CENTRE = env_floats("PANJEREH_CITY_CENTRE", "48.67,31.32")


def _utm_srid(lon: float, lat: float) -> int:
    """The EPSG code of the WGS 84 UTM zone a point lies in (Iranian cities: zones 38–41 north)."""
    return (32600 if lat >= 0 else 32700) + int((lon + 180) // 6) + 1


# Every geometry is stored in this projected CRS (metres): by default the UTM zone of the city's centre (Ahvaz:
# EPSG:32639, zone 39N). Chosen at set-up; moving an existing database to another is `panjereh movecrs`
# (docs/operations.md), and `panjereh doctor` reports the scale error at the city's edges.
# A province stores its map in one Transverse Mercator of its own instead (issue 28, docs/architecture.md):
# PANJEREH_STORAGE_TM_MERIDIAN=49 is TM on 49° E with scale 1 there — every Khuzestan city within 0.02%, where
# western Khuzestan's cities pass 0.05% in their own UTM zones. Its SRID is a local one, 940000 + 100 × the
# meridian (944900), written into the database's spatial_ref_sys before the first geometry column
# (citymap/storage_crs.py); PANJEREH_STORAGE_PROJ is its PROJ definition, which every transformation uses.
_TM_MERIDIAN = os.environ.get("PANJEREH_STORAGE_TM_MERIDIAN", "").strip()
PANJEREH_STORAGE_TM_MERIDIAN = float(_TM_MERIDIAN) if _TM_MERIDIAN else None
if PANJEREH_STORAGE_TM_MERIDIAN is not None:
    PANJEREH_STORAGE_SRID = 940000 + round(PANJEREH_STORAGE_TM_MERIDIAN * 100)
    PANJEREH_STORAGE_PROJ = (f"+proj=tmerc +lat_0=0 +lon_0={PANJEREH_STORAGE_TM_MERIDIAN:g} +k=1 +x_0=500000 +y_0=0 "
                             "+datum=WGS84 +units=m +no_defs")
else:
    PANJEREH_STORAGE_SRID = int(os.environ.get("PANJEREH_STORAGE_SRID") or _utm_srid(*PANJEREH_CITY_CENTRE))
    PANJEREH_STORAGE_PROJ = ""
# An incident's tracing answers within this many seconds or says it could not (never a worker timeout)
# a planned interruption (works that need a network shut) is registered and its subscribers told this long ahead
PANJEREH_PLANNED_NOTICE_HOURS = int(os.environ.get("PANJEREH_PLANNED_NOTICE_HOURS", "48"))
PANJEREH_INCIDENT_BUDGET_SECONDS = float(os.environ.get("PANJEREH_INCIDENT_BUDGET_SECONDS", "20"))
# (The connection grades — power LV/MV above a demand, gas LP/MP from a meter class — are the city's data: the
# power and gas services' rows in the admin, agencies migration 0014.)
# A permit's works must start within this many days of issue (printed on the certificate).
PANJEREH_PERMIT_START_DAYS = int(os.environ.get("PANJEREH_PERMIT_START_DAYS", "365"))
# --- indicators (panjereh.indicators) ------------------------------------------------------------------
# The cost of a permit is shown as a share of the building's value: floor area × this value per m² (rials;
# the city sets it from its construction-cost estimate). The Doing Business standard warehouse is valued at
# 50 × income per capita (rials a year), as in its methodology.
PANJEREH_BUILDING_VALUE_PER_M2 = int(os.environ.get("PANJEREH_BUILDING_VALUE_PER_M2", "250000000"))
PANJEREH_INCOME_PER_CAPITA = int(os.environ.get("PANJEREH_INCOME_PER_CAPITA", "2500000000"))
PANJEREH_IMPORT_MAX_BYTES = int(os.environ.get("PANJEREH_IMPORT_MAX_BYTES", str(200 * 1024 * 1024)))
# Vector tiles of each layer version are kept on disk here (empty: build every tile on request).
PANJEREH_TILE_CACHE_DIR = os.environ.get("PANJEREH_TILE_CACHE_DIR", str(VAR_DIR / "tiles"))
# Tiles are kept only inside the city's extent and up to this zoom; deeper ones are built on request.
PANJEREH_TILE_CACHE_MAX_ZOOM = int(os.environ.get("PANJEREH_TILE_CACHE_MAX_ZOOM", "18"))
# Layer versions kept in the live feature table by `panjereh archiveversions` (the current one always).
PANJEREH_LIVE_VERSIONS = int(os.environ.get("PANJEREH_LIVE_VERSIONS", "3"))
PANJEREH_OGC_MAX_LIMIT = int(os.environ.get("PANJEREH_OGC_MAX_LIMIT", "10000"))
PANJEREH_DIGCHECK_MAX_BUFFER_M = float(os.environ.get("PANJEREH_DIGCHECK_MAX_BUFFER_M", "100"))
PANJEREH_DIGCHECK_MAX_LENGTH_M = float(os.environ.get("PANJEREH_DIGCHECK_MAX_LENGTH_M", "5000"))
PANJEREH_THURSDAY_IS_WORKDAY = env_bool("PANJEREH_THURSDAY_IS_WORKDAY", False)
# The bank's card gateway (a Shaparak PSP), docs/configuration.md; empty URL: card payment is not offered.
PANJEREH_PSP_URL = os.environ.get("PANJEREH_PSP_URL", "")
PANJEREH_PSP_PUBLIC_URL = os.environ.get("PANJEREH_PSP_PUBLIC_URL", "")  # the payer's side, if not PANJEREH_PSP_URL
PANJEREH_PSP_TERMINAL = os.environ.get("PANJEREH_PSP_TERMINAL", "")
PANJEREH_PSP_KEY = os.environ.get("PANJEREH_PSP_KEY", "")  # the terminal's key or password
# which bank's protocol (billing/psp.py): json (the generic one), mellat (Behpardakht, SOAP), sep (Saman, REST)
PANJEREH_PSP = os.environ.get("PANJEREH_PSP", "json")
PANJEREH_PSP_USERNAME = os.environ.get("PANJEREH_PSP_USERNAME", "")  # Mellat's user name for the terminal
PANJEREH_PSP_TIMEOUT = float(os.environ.get("PANJEREH_PSP_TIMEOUT", "15"))  # seconds for each call to the bank
PANJEREH_PSP_INQUIRIES = int(os.environ.get("PANJEREH_PSP_INQUIRIES", "2"))  # tries to learn a lost verify's outcome
PANJEREH_PSP_UNIT = os.environ.get("PANJEREH_PSP_UNIT", "rial")  # what the terminal's amounts are in: rial, toman
# A demo deployment (the demo city, demo users, fake outside services); never set for a real city.
PANJEREH_DEMO = env_bool("PANJEREH_DEMO", False)
# Webhooks to the agencies' systems (docs/integrations.md).
# Text messages to applicants (docs/applicants.md): the provider's API; empty URL: messages wait in the outbox.
PANJEREH_SMS_URL = os.environ.get("PANJEREH_SMS_URL", "")
PANJEREH_SMS_KEY = os.environ.get("PANJEREH_SMS_KEY", "")
PANJEREH_SMS_SENDER = os.environ.get("PANJEREH_SMS_SENDER", "")
PANJEREH_SMS_TIMEOUT_SECONDS = float(os.environ.get("PANJEREH_SMS_TIMEOUT_SECONDS", "10"))
PANJEREH_SMS_BACKOFF_SECONDS = float(os.environ.get("PANJEREH_SMS_BACKOFF_SECONDS", "5"))
PANJEREH_SMS_BACKOFF_MAX_SECONDS = float(os.environ.get("PANJEREH_SMS_BACKOFF_MAX_SECONDS", "120"))
# a message still not taken by the provider this long after it was written is given up (and shown to staff)
PANJEREH_SMS_GIVE_UP_HOURS = float(os.environ.get("PANJEREH_SMS_GIVE_UP_HOURS", "48"))
# The mobile-ownership inquiry (docs/applicants.md); empty URL: identities stay unchecked (files wait for a check).
PANJEREH_IDENTITY_URL = os.environ.get("PANJEREH_IDENTITY_URL", "")
PANJEREH_IDENTITY_KEY = os.environ.get("PANJEREH_IDENTITY_KEY", "")
PANJEREH_IDENTITY_TIMEOUT_SECONDS = float(os.environ.get("PANJEREH_IDENTITY_TIMEOUT_SECONDS", "5"))
# the national post's address from a postal code (citizens/addresses.py); empty: the address is typed, unchecked
PANJEREH_ADDRESS_URL = os.environ.get("PANJEREH_ADDRESS_URL", "")
PANJEREH_ADDRESS_KEY = os.environ.get("PANJEREH_ADDRESS_KEY", "")
PANJEREH_ADDRESS_TIMEOUT_SECONDS = float(os.environ.get("PANJEREH_ADDRESS_TIMEOUT_SECONDS", "3"))
# A file sent from home waits for the municipality's (or a counter's) document check before the agencies get it;
# "0": a file whose applicant's identity the inquiry confirmed goes straight to them.
PANJEREH_ONLINE_NEEDS_CHECK = os.environ.get("PANJEREH_ONLINE_NEEDS_CHECK", "1").strip().lower() not in {"0", "no", "false", "off"}
# One-time sign-in codes: valid minutes, codes per number and per address (per window / per hour), wrong tries
PANJEREH_OTP_VALID_MINUTES = int(os.environ.get("PANJEREH_OTP_VALID_MINUTES", "5"))
PANJEREH_OTP_WINDOW_MINUTES = int(os.environ.get("PANJEREH_OTP_WINDOW_MINUTES", "15"))
PANJEREH_OTP_PER_MOBILE = int(os.environ.get("PANJEREH_OTP_PER_MOBILE", "3"))
PANJEREH_OTP_PER_ADDRESS = int(os.environ.get("PANJEREH_OTP_PER_ADDRESS", "20"))
PANJEREH_OTP_MAX_TRIES = int(os.environ.get("PANJEREH_OTP_MAX_TRIES", "5"))
# the public address of this Panjereh, for links in text messages (a message has no request to build one from)
PANJEREH_PUBLIC_URL = os.environ.get("PANJEREH_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# an outbox consumer (one of Panjereh's own apps acting on another's event) retried this many times, then kept
PANJEREH_CONSUMER_MAX_ATTEMPTS = int(os.environ.get("PANJEREH_CONSUMER_MAX_ATTEMPTS", "10"))
PANJEREH_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("PANJEREH_WEBHOOK_MAX_ATTEMPTS", "10"))
PANJEREH_WEBHOOK_BACKOFF_SECONDS = float(os.environ.get("PANJEREH_WEBHOOK_BACKOFF_SECONDS", "2"))
PANJEREH_WEBHOOK_BACKOFF_MAX_SECONDS = float(os.environ.get("PANJEREH_WEBHOOK_BACKOFF_MAX_SECONDS", "600"))
PANJEREH_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("PANJEREH_WEBHOOK_TIMEOUT_SECONDS", "10"))
PANJEREH_WEBHOOK_LEASE_SECONDS = float(os.environ.get("PANJEREH_WEBHOOK_LEASE_SECONDS", "60"))
# Webhook hosts an administrator allows although they resolve to private or loopback addresses (by name).
PANJEREH_WEBHOOK_ALLOWED_HOSTS = [h for h in os.environ.get("PANJEREH_WEBHOOK_ALLOWED_HOSTS", "").split(",") if h]
PANJEREH_INBOUND_MAX_BYTES = int(os.environ.get("PANJEREH_INBOUND_MAX_BYTES", str(64 * 1024)))
PANJEREH_OFFSET_THRESHOLD_M = float(os.environ.get("PANJEREH_OFFSET_THRESHOLD_M", "1.0"))
PANJEREH_DEMO_PARCELS = int(os.environ.get("PANJEREH_DEMO_PARCELS", "100000"))
# the worker applies the deadlines (deemed approvals, escalations, unchecked files) this often, in seconds
PANJEREH_DEADLINES_EVERY = int(os.environ.get("PANJEREH_DEADLINES_EVERY", "300"))
# files from home: how many may wait for the document check at once, and how many working days they wait
PANJEREH_CITIZEN_OPEN_FILES = int(os.environ.get("PANJEREH_CITIZEN_OPEN_FILES", "3"))
PANJEREH_CHECK_EXPIRY_DAYS = int(os.environ.get("PANJEREH_CHECK_EXPIRY_DAYS", "10"))
# a file's documents: versions of one kind, and documents in all (older versions are kept, and counted)
PANJEREH_DOCUMENT_VERSIONS = int(os.environ.get("PANJEREH_DOCUMENT_VERSIONS", "10"))
PANJEREH_DOCUMENTS_PER_FILE = int(os.environ.get("PANJEREH_DOCUMENTS_PER_FILE", "60"))
# documents and inspection photos: an image's pixels are counted from its header before it is decoded
PANJEREH_UPLOAD_MAX_PIXELS = int(os.environ.get("PANJEREH_UPLOAD_MAX_PIXELS", "50000000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PANJEREH_LOG_LEVEL", "WARNING")},
    # WeasyPrint notes every browser-only CSS property the printed pages carry (unicode-bidi: isolate keeps
    # codes' direction on screen) and how it subsets fonts: hundreds of lines per paper, none an operator's
    # concern. Its errors still show.
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}

# Django warns that Debian 12's GDAL 3.6 cannot block file/network access from spatial references.
# Uploaded files are read by pyogrio, and Django's GDAL only ever sees EPSG codes we
# choose; `panjereh doctor` still shows the GDAL version.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
