"""A throwaway PostgreSQL cluster on loopback, for a Prefect server that several workers share.

Debian's `postgresql` package ships the server binaries under /usr/lib/postgresql/<major>/bin;
`initdb` makes a cluster in a temporary folder, `pg_ctl` starts it on a free 127.0.0.1 port
(no Unix socket outside that folder), `createdb` adds one database, and `stop()` removes it
all. initdb refuses to run as root, so as root the cluster belongs to the `postgres` user
(created by the package) and every server command runs through `runuser`. Connections need a
password generated here and held in memory only (scram-sha-256 over TCP).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from demo.processes import free_port

PG_ROOT = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"      # the package's system user, for a cluster started by root
SUPERUSER = "newswatch"       # the cluster's own superuser name


class PostgresUnavailable(RuntimeError):
    """The binaries or the unprivileged user are missing: the message says what to install."""


def postgres_bindir(root: Path = PG_ROOT) -> Path:
    """The newest installed major version's bin folder (Debian's layout)."""
    found = sorted((p for p in root.glob("*/bin") if (p / "initdb").is_file()),
                   key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if not found:
        raise PostgresUnavailable(
            f"no PostgreSQL server binaries under {root}/<version>/bin: install them with "
            "`apt-get install -y postgresql` (Debian/Ubuntu)")
    return found[-1]


class PostgresCluster:
    """`with PostgresCluster() as pg:` then `pg.async_url("prefect")` for SQLAlchemy/asyncpg."""

    def __init__(self, database: str = "prefect", bindir: Path | None = None) -> None:
        self.database = database
        self.bindir = bindir or postgres_bindir()
        self.port = 0
        self.password = secrets.token_urlsafe(18)
        self.root: Path | None = None
        self._as_user: list[str] = []
        self._owner: tuple[int, int] | None = None

    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "the cluster is not started"
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "postgres.log"

    def async_url(self, database: str | None = None) -> str:
        """The URL for `PREFECT_API_DATABASE_CONNECTION_URL` (it carries the password)."""
        return (f"postgresql+asyncpg://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/"
                f"{database or self.database}")

    def start(self) -> PostgresCluster:
        self._choose_user()
        self.root = Path(tempfile.mkdtemp(prefix="newswatch-pg-"))
        try:
            if self._owner:
                os.chown(self.root, *self._owner)
            self._initdb()
            self.port = free_port()
            # Sockets live in the cluster's own folder: nothing is written to /var/run.
            options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                       f"-c unix_socket_directories={self.root} -c fsync=off")
            self._run([str(self.bindir / "pg_ctl"), "start", "-w", "-t", "60",
                       "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options])
            self._run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                       "-U", SUPERUSER, self.database], env={"PGPASSWORD": self.password})
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete the cluster; safe to call twice."""
        if self.root is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            subprocess.run([*self._as_user, str(self.bindir / "pg_ctl"), "stop", "-m", "fast",
                            "-w", "-D", str(self.data_dir)],
                           capture_output=True, timeout=60, cwd=self.root, check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def _choose_user(self) -> None:
        if os.geteuid() != 0:
            return
        try:
            user = pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise PostgresUnavailable(
                f"running as root, and initdb refuses root: there is no `{SERVER_USER}` user "
                "to run the cluster as (the postgresql package creates it), or run as a "
                "normal user") from None
        runuser = shutil.which("runuser")
        if runuser is None:
            raise PostgresUnavailable("running as root without `runuser` (util-linux) to "
                                      f"start PostgreSQL as `{SERVER_USER}`")
        self._as_user = [runuser, "-u", SERVER_USER, "--"]
        self._owner = (user.pw_uid, user.pw_gid)

    def _initdb(self) -> None:
        # The password reaches initdb through a file only the server user can read.
        pwfile = self.data_dir.parent / "pwfile"
        pwfile.write_text(self.password + "\n", "utf-8")
        pwfile.chmod(0o600)
        if self._owner:
            os.chown(pwfile, *self._owner)
        try:
            self._run([str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                       f"--pwfile={pwfile}", "--auth-host=scram-sha-256",
                       "--auth-local=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"])
        finally:
            pwfile.unlink(missing_ok=True)

    def _run(self, args: list[str], env: dict[str, str] | None = None) -> None:
        full_env = {**os.environ, **(env or {})}
        done = subprocess.run([*self._as_user, *args], capture_output=True, text=True,
                              timeout=120, env=full_env, cwd=self.root, check=False)
        if done.returncode != 0:
            log = self.log_file.read_text("utf-8", errors="replace")[-2000:] \
                if self.root and self.log_file.exists() else ""
            raise PostgresUnavailable(
                f"`{' '.join(args[:2])}` failed (exit {done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-1500:]}\n{log}".rstrip())
