"""wslgpu-certify: a pytest suite that certifies a WSL 2 GPU data-science workstation.

The names a check author needs, importable from here (loaded on first use, so that a tool
that only reads results, such as wslgpu-compare, does not import pytest and testinfra):

    from wslgpu_certify import CheckFailed, check, not_applicable, prefetch, publish, read, run, settle, version_satisfies

    @check("wsl.thing")                 # its title, requires and fix live in checks/wsl.toml
    def test_thing(wsl_host, profile):
        value = read(wsl_host, distro.SOME_PROBE)    # a probe from wslgpu_certify.probes.*
        publish("thing", value)
        if value != profile["wsl"]["thing"]:
            raise CheckFailed(f"thing is {value}")

A check whose comparison `diagnose` also makes calls its judge (judges/) and `settle`s the verdict.
docs/adding-a-check.md walks through it end to end.
"""

__version__ = "0.1.0"

_API = {
    "check": "catalog",
    "CheckFailed": "findings",
    "not_applicable": "applicability",
    "Probe": "probes.probe",
    "prefetch": "probes.probe",
    "read": "probes.probe",
    "run": "probes.probe",
    "publish": "evidence",
    "version_satisfies": "profile",
    "settle": "judged",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'wslgpu_certify' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_API[name]}"), name)
