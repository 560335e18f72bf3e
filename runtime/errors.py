"""Every error hsrun raises on purpose.

One root, with the exit code the CLI uses as a class attribute (as click does)::

    HsrunError (2)                  bad input: the user can fix it
    ├── UsageError (2)              a flag or argument that makes no sense
    │   └── InterpreterError (2)    --python names a program that cannot run an action
    ├── ActionNotFoundError (2)     the action file does not exist
    ├── ManifestError (2)           a manifest that does not validate (file, key, expected)
    ├── EventError (2)              a malformed event payload
    ├── SecretError (6)             anything about secrets
    │   ├── SecretNameError         a name that cannot be an environment variable
    │   ├── SecretNotFoundError     a selected secret the store does not hold
    │   ├── SecretsTooLongError     HubSpot's 1,000-character total
    │   ├── SecretKeyError          missing or wrong key / passphrase
    │   ├── SecretStoreCorruptError truncated or tampered store file
    │   └── SecretBackendError      a remote backend (AWS) refused or is unreachable
    ├── JournalError (8)            the run journal cannot be read or written
    │   └── RunNotFoundError (2)    no run with that id
    ├── RunnerError (70)            the runner itself could not start or talk to a child
    │   └── DaemonError (9)         the CLI daemon cannot start, or one already serves the folder
    ├── PortalError (7)             the fake portal refused (state file, seed, app)
    │   └── PortalValueError (2)    a tier, expiry, period or filter the portal does not know
    ├── LibrariesError (10)         HubSpot's library set could not be installed or removed
    ├── PackagingError (2)          check / package / deploy refused
    │   ├── CheckFailedError (1)    `hsrun check` found errors
    │   └── DeployError (7)         a flow, action, revision or token problem on deploy
    └── WorkflowError (2)           a flow that cannot be run (shape, graph, missing code)
        └── EnrollmentNotFoundError (2)  no enrollment with that id

An exception raised by an action's own code is never one of these: it is data in the
``RunResult``. Foreign exceptions are translated at the boundary with ``raise ... from exc``.
"""

from __future__ import annotations


class HsrunError(Exception):
    """Root of every error hsrun raises on purpose."""

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(HsrunError):
    """A flag or argument that makes no sense."""


class InterpreterError(UsageError):
    """The interpreter asked for (``--python``) did not start hsrun's bootstrap."""


class ActionNotFoundError(HsrunError):
    """The action file does not exist."""


class ManifestError(HsrunError):
    """A manifest that does not validate: names the file, the key and what was expected."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid manifest {path}:\n{lines}")


class EventError(HsrunError):
    """A malformed event payload (file, JSON or shape)."""


class SecretError(HsrunError):
    """Anything about secrets."""

    exit_code = 6


class SecretNameError(SecretError):
    """A secret name that cannot be an environment variable."""


class SecretNotFoundError(SecretError):
    """A secret the manifest selects but the store does not hold."""


class SecretsTooLongError(SecretError):
    """The selected secrets' values exceed HubSpot's 1,000-character total."""


class SecretKeyError(SecretError):
    """The store's key or passphrase is missing or wrong."""


class SecretStoreCorruptError(SecretError):
    """The store file is truncated, tampered with or of an unknown version."""


class SecretBackendError(SecretError):
    """A remote secrets backend (AWS Secrets Manager) refused or could not be reached."""


class JournalError(HsrunError):
    """The run journal cannot be read or written."""

    exit_code = 8


class RunNotFoundError(JournalError):
    """No run with that id (or the prefix is ambiguous)."""

    exit_code = 2


class RunnerError(HsrunError):
    """The runner could not start a child or lost its protocol pipe."""

    exit_code = 70


class DaemonError(RunnerError):
    """The CLI daemon cannot start, or another one already serves this state folder."""

    exit_code = 9


class LibrariesError(HsrunError):
    """HubSpot's libraries could not be installed or removed; nothing was changed."""

    exit_code = 10


class PortalError(HsrunError):
    """The fake portal refused: bad state file, bad seed, unknown app."""

    exit_code = 7


class PortalValueError(PortalError):
    """A value the fake portal does not know (tier, token expiry, period, filter)."""

    exit_code = 2


class PackagingError(HsrunError):
    """check / package / deploy refused."""


class CheckFailedError(PackagingError):
    """`hsrun check` found at least one error."""

    exit_code = 1


class DeployError(PackagingError):
    """A flow, action, revision or token problem on deploy; nothing was written."""

    exit_code = 7


class WorkflowError(HsrunError):
    """A flow that cannot be run: its shape, its graph, code it names but lacks."""


class EnrollmentNotFoundError(WorkflowError):
    """No workflow enrollment with that id in the journal."""
