"""Access to the Python modules that ``protoc`` generates from the project's schemas.

The build (``analysis/CMakeLists.txt``) runs ``protoc --python_out`` on
``model/trace/trace.proto`` and ``model/scenario/scenario.proto`` and writes the modules into a
package ``sipsim_proto`` (``build/analysis/python/sipsim_proto``). That directory must be on
``sys.path``: the ``sipsim-analyze`` wrapper sets ``PYTHONPATH``; in a notebook, add it yourself
or set ``SIPSIM_PROTO_PATH`` to it before importing :mod:`sipsim_analysis`.
"""

import os
import sys

_HINT = ("the Python modules generated from trace.proto are missing: build the target "
         "'sipsim-analysis-proto' (cmake --build build --target sipsim-analysis-proto) and put "
         "build/analysis/python on PYTHONPATH, or set SIPSIM_PROTO_PATH to that directory")


def _import():
    extra = os.environ.get("SIPSIM_PROTO_PATH")
    if extra:
        for entry in reversed(extra.split(os.pathsep)):
            if entry and entry not in sys.path:
                sys.path.insert(0, entry)
    try:
        from sipsim_proto import trace_pb2 as trace_module  # noqa: WPS433
        from sipsim_proto import scenario_pb2 as scenario_module  # noqa: WPS433
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(f"{_HINT} ({error})") from error
    return trace_module, scenario_module


trace_pb2, scenario_pb2 = _import()
