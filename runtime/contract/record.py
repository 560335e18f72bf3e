"""The run record: what one invocation produced, as HubSpot's test panel reports it
(status, data outputs with their alerts, logs, memory used, runtime) plus what hsrun adds.

A ``RunResult`` is plain data: it round-trips through JSON (``to_dict`` / ``from_dict``), which
is how the journal stores it and how ``--json`` prints it. Secret values are masked before a
result is built, so nothing downstream has to think about them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal, get_args

from runtime.contract.outputs import Alert

#: Bump when a key is renamed or removed; adding keys keeps the version.
RECORD_VERSION = 1

#: How a run ended (HubSpot's test panel's words, and hsrun's two journal states).
Status = Literal[
    "SUCCESS", "FAILED", "TIMEOUT", "MEMORY_EXCEEDED", "RETRY_SCHEDULED", "RUNNING", "INTERRUPTED"
]
#: Where a run failed: importing the action, in ``main``, in hsrun's runtime, in its outputs.
Phase = Literal["init", "handler", "runtime", "outputs"]
#: Where a log line came from: the action's stdout or stderr, or hsrun itself.
Stream = Literal["stdout", "stderr", "hsrun"]

SUCCESS: Final = "SUCCESS"
FAILED: Final = "FAILED"
TIMEOUT: Final = "TIMEOUT"
MEMORY_EXCEEDED: Final = "MEMORY_EXCEEDED"
RETRY_SCHEDULED: Final = "RETRY_SCHEDULED"
RUNNING: Final = "RUNNING"
#: Stopped before it finished: hsrun itself died while the run was in flight (the journal
#: finds its owner gone), or the user pressed Ctrl-C and hsrun killed it.
INTERRUPTED: Final = "INTERRUPTED"

STATUSES: tuple[Status, ...] = get_args(Status)

#: `hsrun invoke` exit code per status (documented in its --help).
EXIT_CODES = {
    SUCCESS: 0,
    FAILED: 1,
    TIMEOUT: 3,
    MEMORY_EXCEEDED: 4,
    RETRY_SCHEDULED: 5,
    INTERRUPTED: 1,
    RUNNING: 1,
}


@dataclass
class LogLine:
    """One line the action wrote, stamped when the parent received it (epoch seconds)."""

    t: float
    stream: Stream
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"t": self.t, "stream": self.stream, "text": self.text}


@dataclass
class ErrorInfo:
    """Why a run did not succeed, in Lambda's vocabulary where there is one."""

    type: str
    message: str
    traceback: str = ""
    phase: Phase = "handler"
    http_status: int | None = None


@dataclass
class RunResult:
    """Everything HubSpot's test panel shows about one run, and more."""

    run_id: str
    action: str
    status: Status
    event: dict[str, Any]
    callback_id: str
    started_at: float
    outputs: dict[str, Any] = field(default_factory=dict)
    output_types: dict[str, str | None] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    error: ErrorInfo | None = None
    logs: list[LogLine] = field(default_factory=list)
    logs_truncated: bool = False
    log_bytes_dropped: int = 0
    api_calls: list[dict[str, Any]] = field(default_factory=list)
    runtime_ms: float = 0.0
    init_ms: float | None = None
    memory_mb: float = 0.0
    memory_limit_mb: int = 128
    timeout_s: float = 20.0
    warm: bool = False
    retry_in_s: list[int] | None = None
    runtime: str = "PYTHON39"
    checks: list[dict[str, Any]] = field(default_factory=list)
    request_id: str = ""
    #: Versions of HubSpot's libraries the action's process had loaded when it finished,
    #: by distribution name (empty when it was killed before answering).
    libraries: dict[str, str] = field(default_factory=dict)
    #: The library folder the action imported from first (``hsrun libs install``); None:
    #: hsrun's own environment.
    libraries_folder: str | None = None
    #: How the run was isolated: ``namespaces`` (the kernel's user, PID, mount, network and
    #: IPC namespaces) or ``process`` (a plain process), and how each limit was enforced.
    isolation: str = "process"
    isolation_reason: str = ""
    enforcement: dict[str, str] = field(default_factory=dict)
    #: What could not be saved about this run (a full disk while finishing it), e.g.
    #: ``["journal: database or disk is full"]``; the result itself is still reported.
    unsaved: list[str] = field(default_factory=list)
    #: The interpreter that ran the action (``3.11.7``); HubSpot's is 3.9.
    python: str = ""
    #: Set when the run was a step of a workflow enrollment (``hsrun workflow run``):
    #: ``{"enrollment": id, "flow": flow, "actionId": id}``.
    workflow: dict[str, str] | None = None

    @property
    def ok(self) -> bool:
        return self.status == SUCCESS

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.status, 1)

    @property
    def log_text(self) -> str:
        return "\n".join(line.text for line in self.logs)

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (shared, not copied: callers serialise it at once).

        Built by hand rather than with ``dataclasses.asdict``, whose deep copy of the event,
        logs and API calls cost milliseconds per journalled run.
        """
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["error"] = asdict(self.error) if self.error is not None else None
        data["logs"] = [line.to_dict() for line in self.logs]
        data["alerts"] = [alert.to_dict() for alert in self.alerts]
        data["version"] = RECORD_VERSION
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        data = dict(data)
        data.pop("version", None)
        known = cls.__dataclass_fields__
        extra = {k for k in data if k not in known}
        for key in extra:  # records written by a newer hsrun keep loading
            data.pop(key)
        error = data.get("error")
        data["error"] = ErrorInfo(**error) if error else None
        data["logs"] = [LogLine(**line) for line in data.get("logs", [])]
        data["alerts"] = [Alert(**alert) for alert in data.get("alerts", [])]
        return cls(**data)
