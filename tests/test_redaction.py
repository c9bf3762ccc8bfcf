"""Secrets never reach snapshots, reports or the terminal."""

import json

from wslgpu_certify.redact import MASK, Redactor
from wslgpu_certify.hosts.records import CommandRecord
from wslgpu_certify.snapshot import Snapshot, load_snapshot

from suite_run import SNAPSHOTS


def test_patterns_mask_tokens_passwords_and_secret_variables():
    redact = Redactor()
    text = ("http://127.0.0.1:8888/?token=d60b82ee96f7785fcfee6e3b69637f435baec82216510e37 "
            "docker run -e PASSWORD=ms -p 8787:8787 img\nGITHUB_TOKEN=ghp_abc123\napi_key: sk-999\nPATH=/usr/bin")
    out = redact(text)
    for secret in ("d60b82ee96f7785f", "PASSWORD=ms", "ghp_abc123", "sk-999"):
        assert secret not in out
    assert f"token={MASK}" in out and f"PASSWORD={MASK}" in out and "PATH=/usr/bin" in out


def test_passwords_in_urls_are_masked_and_the_rest_of_the_url_kept():
    """Docker Desktop's daemon.json (and the distro's) often holds a proxy with its credentials."""
    redact = Redactor()
    text = ('{"proxies": {"http-proxy": "http://bob:s3cret@proxy.corp:3128", "https-proxy": "https://bob:p%40ss@p:443"},'
            ' "registry-mirrors": ["https://mirror.corp"]}\nHTTPS_PROXY=http://u:tok3n@10.0.0.1:8080 unix:///var/run/d.sock'
            ' ssh://git@host:22')
    out = redact(text)
    for secret in ("s3cret", "p%40ss", "tok3n"):
        assert secret not in out, out
    assert f"http://bob:{MASK}@proxy.corp:3128" in out and "https://mirror.corp" in out
    assert "unix:///var/run/d.sock" in out and "ssh://git@host:22" in out


def test_registered_literal_secrets_are_masked_anywhere():
    redact = Redactor()
    redact.add_secret("hunter2")
    assert redact("login rstudio/hunter2 ok") == f"login rstudio/{MASK} ok"


def test_recorded_snapshot_holds_no_secret_in_commands_or_output(tmp_path):
    snapshot = Snapshot(metadata={"env": "linux"})
    snapshot.add("docker", CommandRecord("docker run -e PASSWORD=s3cret img", 0,
                                         "http://127.0.0.1:8888/?token=abcdef0123456789", "MY_SECRET=xyz", 0.1))
    path = tmp_path / "rec.json"
    snapshot.save(path)
    text = path.read_text()
    for secret in ("s3cret", "abcdef0123456789", "xyz"):
        assert secret not in text
    assert load_snapshot(path).role("docker")


def test_secrets_injected_into_a_snapshot_do_not_reach_any_report(certify, tmp_path):
    healthy = json.loads((SNAPSHOTS / "documented-healthy.json").read_text())
    bashrc = healthy["hosts"]["wsl"]["cat ~/.bashrc"]["stdout"]
    secrets = {"token": "f00dfeedcafe1234f00dfeedcafe1234", "password": "Tr0ub4dor", "aws": "AKIAEXAMPLESECRET"}
    injected = (f"# http://127.0.0.1:8888/?token={secrets['token']}\nexport PASSWORD={secrets['password']}\n"
                f"export AWS_SECRET_ACCESS_KEY={secrets['aws']}\n")
    snap = {"format": "wslgpu-certify-snapshot/1", "extends": str(SNAPSHOTS / "documented-healthy.json"),
            "hosts": {"wsl": {"cat ~/.bashrc": {"exit_status": 0, "stdout": injected + "# no autostart here\n"}}}}
    path = tmp_path / "leaky.json"
    path.write_text(json.dumps(snap))
    run = certify("--snapshot", str(path))
    assert run.check("wsl.autostart")["outcome"] == "failed"  # its evidence holds the bashrc excerpt
    for name in ("report.html", "junit.xml", "results.json"):
        content = (run.reports / "latest" / name).read_text()
        for secret in secrets.values():
            assert secret not in content, f"{secret} leaked into {name}"
    for secret in secrets.values():
        assert secret not in run.output
    assert bashrc  # the healthy bashrc exists; the injected one replaced it
