"""Project paths and ``HSRUN_*`` settings, read lazily in one place.

Nothing here is read at import time: call :func:`get_settings` when a value is needed,
so tests and the CLI can change the environment between calls.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from runtime import _wire
from runtime._wire import LIBS_DIRNAME, PROJECT_MARKERS, PYTHON_LIBS_NAME, STATE_DIRNAME
from runtime.errors import UsageError

#: The portal id put in ``event.origin.portalId`` when none is configured.
DEFAULT_PORTAL_ID = 12345678


#: Seconds a CLI daemon waits for its next command before it exits.
DEFAULT_DAEMON_IDLE_S = 15 * 60.0


@dataclass(frozen=True)
class Settings:
    """Settings resolved from the environment at one moment."""

    project_root: Path
    home: Path
    portal_id: int
    # Key material never appears in a repr (tracebacks and debug logs print settings).
    secrets_key: str | None = field(repr=False)
    secrets_backend: str
    config_dir: Path
    secrets_passphrase: str | None = field(default=None, repr=False)
    secrets_file: Path | None = None
    aws_secrets_prefix: str = "hsrun/"
    daemon_idle_s: float = DEFAULT_DAEMON_IDLE_S
    #: ``HSRUN_LIBS``: empty (the installed set, if any), an off value, or a folder.
    libs_setting: str = ""
    #: Whether ``project_root`` was found (``pyproject.toml``, ``actions/`` or ``.hsrun/``
    #: above the action or the working folder) rather than taken as the working folder.
    project_found: bool = True
    #: Whether the state folder is the one of the working folder's project (False: the
    #: action's project is elsewhere).
    home_is_cwd_project: bool = True
    #: ``HSRUN_NODE_LIBS``: a folder holding Node.js sets (``node24x/``...) other than the
    #: state folder's ``libs/`` (empty: that one).
    node_libs_setting: str = ""
    #: ``HSRUN_ISOLATION``: ``auto`` (the kernel's namespaces where it allows them, else a
    #: plain process), ``namespaces`` (required: a run fails without them) or ``process``.
    isolation: str = "auto"
    #: ``HSRUN_LIVE_ADDRESS``: ``host:port`` that a sandboxed ``--live`` run's HubSpot
    #: connections are relayed to instead of HubSpot's hosts (a stand-in, for tests).
    live_address: tuple[str, int] | None = None

    @property
    def journal_path(self) -> Path:
        return self.home / "journal.db"

    @property
    def secrets_path(self) -> Path:
        # HSRUN_SECRETS_FILE lets a team keep a passphrase-protected store in the repo.
        return self.secrets_file or self.home / "secrets.json"

    @property
    def portal_path(self) -> Path:
        return self.home / "portal.json"

    @property
    def libs_path(self) -> Path:
        """Where ``hsrun libs install`` puts HubSpot's Python libraries.

        The project's ``.hsrun/`` always, even when ``HSRUN_HOME`` moves the rest of the
        state: the library set belongs to the project, so a test suite that isolates its
        state (``HSRUN_HOME`` in a temporary folder) still runs the libraries ``hsrun invoke``
        runs. ``HSRUN_LIBS=0`` is the explicit opt-out.
        """
        return self.project_root / STATE_DIRNAME / LIBS_DIRNAME / PYTHON_LIBS_NAME

    def node_libs_path(self, runtime: str) -> Path:
        """Where ``hsrun libs install --runtime NODE24X`` puts Node.js 24 and HubSpot's Node
        libraries (``HSRUN_NODE_LIBS`` names another parent folder)."""
        value = self.node_libs_setting.strip()
        parent = Path(value).expanduser().resolve() if value else self.home / LIBS_DIRNAME
        return parent / runtime.lower()

    def action_libs(self) -> Path | None:
        """The library folder actions import from first, resolved, or None for hsrun's own
        environment: ``HSRUN_LIBS`` if it names a folder, else the installed set if there is
        one; an off value (0, false, no, off) always means none.

        Raises:
            UsageError: ``HSRUN_LIBS`` names a folder that does not exist.
        """
        try:
            project_state = str(self.project_root / STATE_DIRNAME)
            folder = _wire.libs_folder(self.libs_setting, project_state, os.getcwd())
        except FileNotFoundError:
            raise UsageError(f"HSRUN_LIBS={self.libs_setting.strip()}: no such folder") from None
        return Path(folder) if folder is not None else None


def find_project_root(start: Path | None = None) -> Path:
    """The nearest folder upwards holding ``pyproject.toml``, ``actions/`` or ``.hsrun/``.

    Falls back to the starting folder, so hsrun works in any directory.
    """
    return Path(_wire.project_root(str(start or Path.cwd())))


def _search_project(here: Path) -> Path | None:
    """The nearest folder from ``here`` upwards that is a project, or None (as git looks
    for its repository)."""
    for folder in (here, *here.parents):
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return None


def locate_project(action: Path | None = None) -> tuple[Path, bool]:
    """(project folder, whether it was found): the action's project first, walking up from
    the action's folder; then the working folder's; else the working folder itself (not a
    project: hsrun says so before it creates state there)."""
    cwd = Path.cwd().resolve()
    if action is not None:
        folder = action if action.is_dir() else action.parent
        found = _search_project(folder.expanduser().resolve())
        if found is not None:
            return found, True
    found = _search_project(cwd)
    return (found, True) if found is not None else (cwd, False)


def os_user() -> str:
    """The OS user running hsrun, as the audit logs record it: the login name, else
    ``uid:N`` (a container without a passwd entry or ``USER``)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def _user_config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME")
    return (Path(base) if base else Path.home() / ".config") / "hsrun"


def get_settings(*, action: Path | None = None) -> Settings:
    """Read every ``HSRUN_*`` setting now.

    Args:
        action: the action (file or folder) a command is about: its project wins over the
            working folder's (``hsrun invoke ../proj/actions/x.py`` uses ``../proj/.hsrun``).
    """
    root, found = locate_project(action)
    home_env = os.environ.get("HSRUN_HOME")
    # Without an action, the launcher finds the daemon's socket with the same rule
    # (runtime._wire.state_home).
    home = Path(_wire.state_home(os.getcwd(), os.environ)) if home_env else root / STATE_DIRNAME
    cwd_root = _search_project(Path.cwd().resolve()) or Path.cwd().resolve()
    if home.exists() and not home.is_dir():
        from runtime.errors import UsageError

        source = "HSRUN_HOME" if home_env else "the state folder"
        raise UsageError(f"{source} {home} is a file, not a folder: point it at a folder")
    portal_env = os.environ.get("HSRUN_PORTAL_ID", "").strip()
    if portal_env and not portal_env.isdigit():
        from runtime.errors import UsageError

        raise UsageError(f"HSRUN_PORTAL_ID={portal_env!r}: a portal id is a number")
    portal_id = int(portal_env) if portal_env else DEFAULT_PORTAL_ID
    config_env = os.environ.get("HSRUN_CONFIG_DIR")
    secrets_file_env = os.environ.get("HSRUN_SECRETS_FILE")
    return Settings(
        project_root=root,
        home=home,
        portal_id=portal_id,
        secrets_key=os.environ.get("HSRUN_SECRETS_KEY") or None,
        secrets_backend=os.environ.get("HSRUN_SECRETS_BACKEND", "local"),
        config_dir=Path(config_env).expanduser() if config_env else _user_config_dir(),
        secrets_passphrase=os.environ.get("HSRUN_SECRETS_PASSPHRASE") or None,
        secrets_file=Path(secrets_file_env).expanduser().resolve() if secrets_file_env else None,
        aws_secrets_prefix=os.environ.get("HSRUN_AWS_SECRETS_PREFIX", "hsrun/"),
        daemon_idle_s=_seconds(os.environ.get("HSRUN_DAEMON_IDLE"), DEFAULT_DAEMON_IDLE_S),
        libs_setting=os.environ.get("HSRUN_LIBS", ""),
        project_found=found,
        home_is_cwd_project=bool(home_env) or root == cwd_root,
        node_libs_setting=os.environ.get("HSRUN_NODE_LIBS", ""),
        isolation=_isolation(os.environ.get("HSRUN_ISOLATION", "")),
        live_address=_address(os.environ.get("HSRUN_LIVE_ADDRESS", "")),
    )


def _address(text: str) -> tuple[str, int] | None:
    if not text.strip():
        return None
    host, _, port = text.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        from runtime.errors import UsageError

        raise UsageError(f"HSRUN_LIVE_ADDRESS={text!r}: expected host:port")
    return host.strip("[]"), int(port)


#: Every variable :func:`get_settings` reads (a cache of settings is keyed by their values).
SETTING_NAMES = (
    "HSRUN_HOME",
    "HSRUN_PORTAL_ID",
    "HSRUN_CONFIG_DIR",
    "HSRUN_SECRETS_FILE",
    "HSRUN_SECRETS_KEY",
    "HSRUN_SECRETS_BACKEND",
    "HSRUN_SECRETS_PASSPHRASE",
    "HSRUN_AWS_SECRETS_PREFIX",
    "HSRUN_DAEMON_IDLE",
    "HSRUN_LIBS",
    "HSRUN_NODE_LIBS",
    "HSRUN_ISOLATION",
    "HSRUN_LIVE_ADDRESS",
)

ISOLATION_MODES = ("auto", "namespaces", "process")


def _isolation(text: str) -> str:
    value = text.strip().lower() or "auto"
    if value not in ISOLATION_MODES:
        from runtime.errors import UsageError

        raise UsageError(f"HSRUN_ISOLATION={text!r}: expected one of {', '.join(ISOLATION_MODES)}")
    return value


def _seconds(text: str | None, default: float) -> float:
    """A positive number of seconds, or ``default`` for anything else (a bad
    ``HSRUN_DAEMON_IDLE`` only costs the default; a bad ``HSRUN_PORTAL_ID`` is refused)."""
    try:
        value = float(text or "")
    except ValueError:
        return default
    return value if 0 < value < float("inf") else default


def ensure_home(settings: Settings) -> Path:
    """Create the state folder (mode 0700) and return it.

    Outside any project (no ``pyproject.toml``, ``actions/`` or ``.hsrun/`` above the action
    or the working folder) the folder is still created, but never silently: a note on stderr
    names it, so a run from the wrong folder does not quietly fork the project's state.
    """
    if not settings.home.is_dir() and not settings.project_found:
        import sys

        print(
            f"Note: no project found (pyproject.toml, actions/ or .hsrun/) above "
            f"{settings.project_root}; creating the state folder {settings.home} here",
            file=sys.stderr,
        )
    settings.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return settings.home


def state_note(settings: Settings) -> str | None:
    """What to tell the user when the state folder is not the working folder's project's
    (``Using the state folder of /proj: /proj/.hsrun``), else None."""
    if settings.home_is_cwd_project:
        return None
    return f"Using the state folder of {settings.project_root}: {settings.home}"
