"""A PostgreSQL cluster of the test's own, for fault tests that restart or stop a database.

A test never restarts the machine's PostgreSQL: whatever else runs against it (a load test beside the suite,
another suite) would lose its connections. A fault test starts its own cluster here — ``initdb`` in a
temporary folder, its own port on 127.0.0.1 — copies the test database into it with ``pg_dump``, points
Django's connection at it for the duration (:func:`pointed_at`), and restarts that one.
"""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile

from django.db import connection


def _bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("initdb not found: the PostgreSQL server package is needed for this fault test")
    return os.path.dirname(found[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One throwaway cluster: ``start()``, ``restart()``, ``stop()``; ``url`` for a subprocess."""

    def __init__(self):
        self.bindir = _bindir()
        self.folder = tempfile.mkdtemp(prefix="panjereh-pg-")
        self.data = os.path.join(self.folder, "data")
        self.port = _free_port()
        self.database = "panjereh_fault"
        # initdb refuses root: as root, the cluster belongs to the postgres user.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, "postgres")

    @property
    def url(self) -> str:
        return f"postgis://postgres@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *args, timeout=120):
        subprocess.run([*self.as_user, *args], check=True, timeout=timeout, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)

    def _ctl(self, *args):
        self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-w", "-t", "60", *args)

    def start(self):
        self._run(os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8")
        self._ctl("-l", os.path.join(self.folder, "log"), "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        return self

    def restart(self):
        """A real restart of this cluster (fast shutdown: every client's connection is cut, as in production)."""
        self._ctl("-m", "fast", "restart")

    def stop(self):
        with contextlib.suppress(Exception):
            self._ctl("-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def copy_of_test_database(self):
        """The test database (schema and rows, PostGIS with it) copied into this cluster's own database."""
        s = connection.settings_dict
        source = ["-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432), "-U", s["USER"] or "postgres"]
        psql = [os.path.join(self.bindir, "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", str(self.port), "-U", "postgres"]
        subprocess.run([*psql, "-d", "postgres", "-c", f"CREATE DATABASE {self.database}"], check=True,
                       stdout=subprocess.DEVNULL)
        dump = subprocess.run([os.path.join(self.bindir, "pg_dump"), *source, "--no-owner", "--no-privileges",
                               s["NAME"]], check=True, capture_output=True, timeout=300).stdout
        subprocess.run([*psql, "-d", self.database], input=dump, check=True, stdout=subprocess.DEVNULL,
                       timeout=300)
        return self


@contextlib.contextmanager
def own_cluster():
    """A started cluster holding a copy of the test database; stopped and removed afterwards."""
    cluster = Cluster()
    try:
        cluster.start()
        cluster.copy_of_test_database()
        yield cluster
    finally:
        cluster.stop()


@contextlib.contextmanager
def pointed_at(cluster: Cluster):
    """Django's default connection on ``cluster`` inside the block, on the test database again after it."""
    connection.close()
    saved = dict(connection.settings_dict)
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(cluster.port), NAME=cluster.database,
                                    USER="postgres", PASSWORD="")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
