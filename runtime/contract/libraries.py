"""Which modules a HubSpot custom code action can import: data only, no logic.

HubSpot's Python runtime is CPython 3.9 on AWS Lambda (Linux) with a fixed set of
third-party libraries; its Node.js runtime has a fixed set of npm packages. An import of
anything else fails when the action runs in HubSpot, even if it works on this machine.

Sources:

- HubSpot's library lists: the custom code actions guide, "Supported libraries"
  (https://developers.hubspot.com/docs/api-reference/latest/automation/workflow-actions/custom-code-actions),
  summarised in ``docs/hubspot-custom-code-contract.md`` §7.
- The Python 3.9 standard library: CPython's own list, ``sys.stdlib_module_names`` of CPython
  3.10 (3.10 added no top-level standard module), plus the modules 3.10 removed
  (``formatter``, ``parser``, ``symbol``, ``_bootlocale``, ``_peg_parser``), minus the modules
  that exist only on Windows or macOS (Lambda runs Linux). Cross-checked against the module
  directory of a CPython 3.9.18 Linux build.
- The variables Lambda defines in every function's environment: AWS Lambda's guide,
  "Defined runtime environment variables"
  (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).
"""

from __future__ import annotations

from dataclasses import dataclass


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Library:
    """One third-party package HubSpot installs for custom code actions."""

    name: str  # the name in HubSpot's list
    version: str  # the version HubSpot's list gives
    imports: tuple[str, ...]  # the dotted module names code imports it by
    #: The pip requirement that installs what HubSpot runs: its exact version where the list
    #: pins one, the newest release of the major version where it gives a caret range.
    requirement: str = ""
    #: Installed by ``hsrun libs install`` without ``--all``: what nearly every action uses.
    core: bool = False


#: HubSpot's Python library list (custom code actions guide, "Supported libraries", Python).
#: "Third-party libraries can be imported with the form ``from [libraryname] import [item]``".
#: The requirements follow that list: "2.28.2" is ``==2.28.2``; "^8" (npm's caret, which the
#: doc uses for the Python client too) is ``>=8,<9``. UNCONFIRMED which 8.x release HubSpot
#: installed; the newest 8.x is the best guess, since a caret range resolves to it.
PYTHON_LIBRARIES: tuple[Library, ...] = (
    Library("requests", "2.28.2", ("requests",), "requests==2.28.2", core=True),
    Library("hubspot-api-client", "^8", ("hubspot",), "hubspot-api-client>=8,<9", core=True),
    Library(
        "google-api-python-client",
        "2.74.0",
        ("googleapiclient",),
        "google-api-python-client==2.74.0",
    ),
    Library(
        "mysql-connector-python", "8.0.32", ("mysql.connector",), "mysql-connector-python==8.0.32"
    ),
    Library("redis", "4.4.2", ("redis",), "redis==4.4.2"),
    Library("nltk", "3.8.1", ("nltk",), "nltk==3.8.1"),
)

#: Modules the listed libraries depend on, so they are installed too, but HubSpot does not
#: list them: they may change or vanish with a library upgrade. Inferred from each package's
#: declared dependencies at the listed version (UNCONFIRMED in HubSpot's docs).
PYTHON_TRANSITIVE_MODULES: dict[str, str] = {
    "urllib3": "requests, hubspot-api-client",
    "certifi": "requests, hubspot-api-client",
    "idna": "requests",
    "charset_normalizer": "requests",
    "six": "hubspot-api-client",
    "dateutil": "hubspot-api-client",
    "httplib2": "google-api-python-client",
    "google": "google-api-python-client (google-auth), mysql-connector-python (protobuf)",
    "google_auth_httplib2": "google-api-python-client",
    "uritemplate": "google-api-python-client",
    "pyparsing": "google-api-python-client (httplib2)",
    "rsa": "google-api-python-client (google-auth)",
    "pyasn1": "google-api-python-client (google-auth)",
    "pyasn1_modules": "google-api-python-client (google-auth)",
    "cachetools": "google-api-python-client (google-auth)",
    "async_timeout": "redis",
    "click": "nltk",
    "joblib": "nltk",
    "regex": "nltk",
    "tqdm": "nltk",
}

#: Top-level modules of CPython 3.9's standard library available on Linux.
PYTHON39_STDLIB_MODULES: frozenset[str] = _names(
    """
    __future__ _abc _aix_support _ast _asyncio _bisect _blake2 _bootlocale _bootsubprocess _bz2
    _codecs _codecs_cn _codecs_hk _codecs_iso2022 _codecs_jp _codecs_kr _codecs_tw _collections
    _collections_abc _compat_pickle _compression _contextvars _crypt _csv _ctypes _curses
    _curses_panel _datetime _dbm _decimal _elementtree _frozen_importlib
    _frozen_importlib_external _functools _gdbm _hashlib _heapq _imp _io _json _locale _lsprof
    _lzma _markupbase _md5 _multibytecodec _multiprocessing _opcode _operator _osx_support
    _peg_parser _pickle _posixshmem _posixsubprocess _py_abc _pydecimal _pyio _queue _random
    _sha1 _sha256 _sha3 _sha512 _signal _sitebuiltins _socket _sqlite3 _sre _ssl _stat
    _statistics _string _strptime _struct _symtable _thread _threading_local _tkinter
    _tracemalloc _uuid _warnings _weakref _weakrefset _zoneinfo abc aifc antigravity argparse
    array ast asynchat asyncio asyncore atexit audioop base64 bdb binascii binhex bisect
    builtins bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs codeop collections
    colorsys compileall concurrent configparser contextlib contextvars copy copyreg crypt csv
    ctypes curses dataclasses datetime dbm decimal difflib dis distutils doctest email encodings
    ensurepip enum errno faulthandler fcntl filecmp fileinput fnmatch formatter fractions ftplib
    functools gc genericpath getopt getpass gettext glob graphlib grp gzip hashlib heapq hmac
    html http idlelib imaplib imghdr imp importlib inspect io ipaddress itertools json keyword
    lib2to3 linecache locale logging lzma mailbox mailcap marshal math mimetypes mmap
    modulefinder multiprocessing netrc nis nntplib ntpath nturl2path numbers opcode operator
    optparse os ossaudiodev parser pathlib pdb pickle pickletools pipes pkgutil platform
    plistlib poplib posix posixpath pprint profile pstats pty pwd py_compile pyclbr pydoc
    pydoc_data pyexpat queue quopri random re readline reprlib resource rlcompleter runpy sched
    secrets select selectors shelve shlex shutil signal site smtpd smtplib sndhdr socket
    socketserver spwd sqlite3 sre_compile sre_constants sre_parse ssl stat statistics string
    stringprep struct subprocess sunau symbol symtable sys sysconfig syslog tabnanny tarfile
    telnetlib tempfile termios textwrap this threading time timeit tkinter token tokenize trace
    traceback tracemalloc tty turtle turtledemo types typing unicodedata unittest urllib uu uuid
    venv warnings wave weakref webbrowser wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport
    zlib zoneinfo
    """
)

#: Standard-library modules that HubSpot's Python 3.9 on Linux does not have, with why.
STDLIB_NOT_IN_PYTHON39: dict[str, str] = {
    "tomllib": "added to the standard library in Python 3.11",
    "msvcrt": "Windows only",
    "winreg": "Windows only",
    "winsound": "Windows only",
    "msilib": "Windows only",
    "nt": "Windows only",
    "_winapi": "Windows only",
    "_overlapped": "Windows only",
    "_msi": "Windows only",
    "_scproxy": "macOS only",
}

#: Names that newer standard libraries added to modules 3.9 has: ``from M import N`` (or
#: ``M.N``) raises ImportError / AttributeError on 3.9. module -> name -> version added.
NAMES_ADDED_AFTER_PYTHON39: dict[str, dict[str, str]] = {
    "typing": {
        "ParamSpec": "3.10",
        "ParamSpecArgs": "3.10",
        "ParamSpecKwargs": "3.10",
        "Concatenate": "3.10",
        "TypeAlias": "3.10",
        "TypeGuard": "3.10",
        "is_typeddict": "3.10",
        "Self": "3.11",
        "LiteralString": "3.11",
        "Never": "3.11",
        "assert_never": "3.11",
        "assert_type": "3.11",
        "reveal_type": "3.11",
        "dataclass_transform": "3.11",
        "Required": "3.11",
        "NotRequired": "3.11",
        "TypeVarTuple": "3.11",
        "Unpack": "3.11",
        "get_overloads": "3.11",
        "clear_overloads": "3.11",
        "override": "3.12",
        "TypeAliasType": "3.12",
        "ReadOnly": "3.13",
        "TypeIs": "3.13",
        "NoDefault": "3.13",
    },
    "itertools": {"pairwise": "3.10", "batched": "3.12"},
    "datetime": {"UTC": "3.11"},
    "enum": {
        "StrEnum": "3.11",
        "ReprEnum": "3.11",
        "verify": "3.11",
        "member": "3.11",
        "nonmember": "3.11",
        "global_enum": "3.11",
        "EnumCheck": "3.11",
    },
    "contextlib": {"aclosing": "3.10", "chdir": "3.11"},
    "dataclasses": {"KW_ONLY": "3.10"},
    "operator": {"call": "3.11"},
    "asyncio": {"TaskGroup": "3.11", "timeout": "3.11", "Runner": "3.11", "Barrier": "3.11"},
    "hashlib": {"file_digest": "3.11"},
    "inspect": {"get_annotations": "3.10", "markcoroutinefunction": "3.12"},
}

#: HubSpot's Node.js library list (Node 16/20; custom code actions guide, "Supported
#: libraries", Node.js). Packages are loaded with ``require()``. The npm requirement is the
#: doc's caret range itself: npm resolves it to the newest release HubSpot's range allows.
#: HubSpot does not publish Node 24's versions (UNCONFIRMED): the same list is used for it.
NODE_LIBRARIES: tuple[Library, ...] = (
    Library(
        "@hubspot/api-client",
        "^10",
        ("@hubspot/api-client",),
        "@hubspot/api-client@^10",
        core=True,
    ),
    Library("async", "^3.2.0", ("async",), "async@^3.2.0", core=True),
    Library("aws-sdk", "^2.744.0", ("aws-sdk",), "aws-sdk@^2.744.0"),
    Library("axios", "^1.2.0", ("axios",), "axios@^1.2.0", core=True),
    Library("lodash", "^4.17.20", ("lodash",), "lodash@^4.17.20", core=True),
    Library("mongoose", "^6.8.0", ("mongoose",), "mongoose@^6.8.0"),
    Library("mysql", "^2.18.1", ("mysql",), "mysql@^2.18.1"),
    Library("redis", "^4.5.1", ("redis",), "redis@^4.5.1"),
    Library("request", "^2.88.2", ("request",), "request@^2.88.2", core=True),
    Library("bluebird", "^3.7.2", ("bluebird",), "bluebird@^3.7.2", core=True),
    Library(
        "random-number-csprng",
        "^1.0.2",
        ("random-number-csprng",),
        "random-number-csprng@^1.0.2",
        core=True,
    ),
    Library("googleapis", "^67.0.0", ("googleapis",), "googleapis@^67.0.0"),
)

#: Node.js major version per HubSpot Node runtime.
NODE_MAJOR: dict[str, int] = {"NODE16X": 16, "NODE20X": 20, "NODE24X": 24}

#: Node.js built-in modules (``require('module').builtinModules`` of Node 20, public ones).
NODE_BUILTIN_MODULES: frozenset[str] = _names(
    """
    assert assert/strict async_hooks buffer child_process cluster console constants crypto
    dgram diagnostics_channel dns dns/promises domain events fs fs/promises http http2 https
    inspector inspector/promises module net os path path/posix path/win32 perf_hooks process
    punycode querystring readline readline/promises repl stream stream/consumers
    stream/promises stream/web string_decoder sys timers timers/promises tls trace_events tty
    url util util/types v8 vm wasi worker_threads zlib
    """
)

#: Variables AWS Lambda puts in every function's environment (HubSpot runs custom code on
#: Lambda): reading one is not reading a secret.
LAMBDA_ENVIRONMENT_VARIABLES: frozenset[str] = _names(
    """
    _HANDLER _X_AMZN_TRACE_ID AWS_DEFAULT_REGION AWS_REGION AWS_EXECUTION_ENV
    AWS_LAMBDA_FUNCTION_NAME AWS_LAMBDA_FUNCTION_MEMORY_SIZE AWS_LAMBDA_FUNCTION_VERSION
    AWS_LAMBDA_INITIALIZATION_TYPE AWS_LAMBDA_LOG_GROUP_NAME AWS_LAMBDA_LOG_STREAM_NAME
    AWS_ACCESS_KEY AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
    AWS_LAMBDA_RUNTIME_API LAMBDA_TASK_ROOT LAMBDA_RUNTIME_DIR LANG PATH LD_LIBRARY_PATH
    NODE_PATH PYTHONPATH TZ AWS_XRAY_CONTEXT_MISSING AWS_XRAY_DAEMON_ADDRESS
    """
)
