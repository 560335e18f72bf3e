"""What a Node.js run sends its child: Lambda's Node environment and the job message.

The job has the Python child's shape (path, event, env, warm, request id, network) plus the
handler semantics of the action's runtime, so the parent's supervision and judgement are the
same for both languages.
"""

from __future__ import annotations

from typing import Any

from runtime.contract import ActionManifest
from runtime.contract.libraries import NODE_LIBRARIES
from runtime.invoke._process import child_base_env
from runtime.invoke.node_libs import NodeRuntime

#: Runtimes whose handler gets a callback (``exports.main = (event, callback) => ...``);
#: Node 24 has none: main returns its outputs (contract §1.2, §1.3).
CALLBACK_RUNTIMES = frozenset({"NODE16X", "NODE20X"})


_TASK_ROOTS: dict[str, str] = {}


def _task_root(action: ActionManifest) -> str:
    # The action's resolved folder, once per path: a batch or a warm loop asks every run.
    key = str(action.source_path)
    root = _TASK_ROOTS.get(key)
    if root is None:
        if len(_TASK_ROOTS) > 256:
            _TASK_ROOTS.clear()
        root = _TASK_ROOTS[key] = str(action.source_path.resolve().parent)
    return root


def node_env(action: ActionManifest, node: NodeRuntime, memory_mb: int) -> dict[str, str]:
    """Variables AWS Lambda's Node.js runtime sets, as HubSpot's sandbox has them."""
    extra = {
        "AWS_EXECUTION_ENV": f"AWS_Lambda_nodejs{node.major}.x",
        "AWS_LAMBDA_FUNCTION_NAME": f"hsrun-{action.name}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": _task_root(action),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": f"{action.name}.main",
    }
    if node.node_path:
        extra["NODE_PATH"] = node.node_path
    return child_base_env(extra)


def node_job(
    *,
    action: ActionManifest,
    node: NodeRuntime,
    base: dict[str, Any],
    no_callback: str,
    node24_callback: str,
) -> dict[str, Any]:
    """The Node child's job: ``base`` (the Python child's fields) plus handler semantics."""
    runtime = action.manifest.runtime
    job = dict(base)
    job["runtime"] = runtime
    job["handler_style"] = "callback" if runtime in CALLBACK_RUNTIMES else "return"
    job["no_callback"] = no_callback
    job["node24_callback"] = node24_callback
    job["libraries"] = [lib.name for lib in NODE_LIBRARIES]
    return job
