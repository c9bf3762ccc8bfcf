"""Secrets never reach snapshots, reports or the terminal: one family of made-up, valid-shaped
secrets per documented token kind (redact.py cites each shape's source), and the outputs the
checks parse, which must come through untouched."""

import json

import pytest

from wslgpu_certify.redact import MASK, PATTERN_NAMES, Redactor
from wslgpu_certify.hosts.records import CommandRecord
from wslgpu_certify.hosts.snapshot import Snapshot, load_snapshot

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


def test_a_learnt_secret_is_masked_and_handed_back_by_name_but_a_short_one_masks_no_words():
    redact = Redactor()
    redact.learn("jupyter token of tensorflow", "c0ffee1234abcd")
    redact.learn("jupyter token of rstudio", "ab")  # hostile: would mask every "ab"
    assert redact.learnt("jupyter token of tensorflow") == "c0ffee1234abcd"
    assert redact("log c0ffee1234abcd; table ab") == f"log {MASK}; table ab"
    assert redact("http://h:8888/?token=ab") == f"http://h:8888/?token={MASK}"
    assert redact.learnt("nothing") is None


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
    for name in ("report.html", "log.html", "junit.xml", "results.json"):
        content = (run.reports / "latest" / name).read_text()
        for secret in secrets.values():
            assert secret not in content, f"{secret} leaked into {name}"
    for secret in secrets.values():
        assert secret not in run.output
    assert bashrc  # the healthy bashrc exists; the injected one replaced it


# ---- families: (text as a machine prints it, the secret in it). All values are made up. ------------------

_B62 = "Zq8vW3nK0pLx4Rt7Yb2Hc5Jd9Fg1Ms6Ne"  # 34 characters of a base62 alphabet, fake
FAMILIES = {
    "github": [
        (f"export GITHUB_PAT=ghp_{_B62}AB", f"ghp_{_B62}AB"),
        (f"token: gho_{_B62}cd in hosts.yml", f"gho_{_B62}cd"),
        (f"x-access-token:ghu_{_B62}EF@github.com", f"ghu_{_B62}EF"),
        (f"GH_ENTERPRISE=ghs_{_B62}gh", f"ghs_{_B62}gh"),
        (f"refresh ghr_{_B62}IJ{_B62} expires", f"ghr_{_B62}IJ{_B62}"),
        (f"pat=github_pat_11ABCDEFG0{_B62[:12]}_{_B62}{_B62[:25]}", f"github_pat_11ABCDEFG0{_B62[:12]}_{_B62}"),
    ],
    "aws": [
        ("aws_access_key_id = AKIAZ7QF3XAMPLE0FAKE", "AKIAZ7QF3XAMPLE0FAKE"),
        ("AWS_ACCESS_KEY_ID=ASIAQWERTY1234567890 aws s3 ls", "ASIAQWERTY1234567890"),
        ('{"AccessKeyId": "AKIA0000FAKE1111KEYZ"}', "AKIA0000FAKE1111KEYZ"),
        ("aws_secret_access_key = wJalrFAKEFAKE/K7MDENG/bPxRfiCYFAKEKEY", "wJalrFAKEFAKE/K7MDENG/bPxRfiCYFAKEKEY"),
    ],
    "gitlab": [
        ("git clone https://oauth2:glpat-Xy9_abCD-efGH1234ijKL@gitlab.example/x.git", "glpat-Xy9_abCD-efGH1234ijKL"),
        ("CI token glcbt-64_fAkEfAkEfAkEfAkE01234 used", "glcbt-64_fAkEfAkEfAkEfAkE01234"),
        ("runner: glrt-t1_FaKeRuNnErToKeN0000xx", "glrt-t1_FaKeRuNnErToKeN0000xx"),
        ("deploy gldt-fAkEdEpLoYtOkEn1234567", "gldt-fAkEdEpLoYtOkEn1234567"),
        ("glpat-AbCdEfGhIjKlMnOpQrSt.01.0w1abc2de", "glpat-AbCdEfGhIjKlMnOpQrSt.01.0w1abc2de"),
        ("register GR1348941FaKeReGiStRaTiOnTok3n", "GR1348941FaKeReGiStRaTiOnTok3n"),
    ],
    "slack": [
        ("SLACK_BOT=xoxb-1234567890-0987654321-FaKeFaKeFaKeFaKe", "xoxb-1234567890-0987654321-FaKeFaKeFaKeFaKe"),
        ("hook xoxp-1111111111-2222222222-3333333333-fakefakefake", "xoxp-1111111111-2222222222-3333333333-fakefakefake"),
        ("xapp-1-A0FAKE0FAKE-1234567890123-fakefakefakefakefake", "xapp-1-A0FAKE0FAKE-1234567890123-fakefakefakefakefake"),
        ("legacy xoxs-fake-0000000000-1111111111", "xoxs-fake-0000000000-1111111111"),
    ],
    "pem": [
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEFAKEFAKE\nAAAAFAKE==\n-----END OPENSSH PRIVATE KEY-----\nok",
         "b3BlbnNzaC1rZXktdjEFAKEFAKE"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAfake\n-----END RSA PRIVATE KEY-----", "MIIEpAIBAAKCAQEAfake"),
        ("x\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIFAKEfake\n-----END EC PRIVATE KEY-----", "MHcCAQEEIFAKEfake"),
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqFAKE\n", "MIIFHDBOBgkqFAKE"),  # cut short
        ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANfake\n-----END PRIVATE KEY-----", "MIIEvQIBADANfake"),
    ],
    "http-auth": [
        ("Authorization: Basic Ym9iOnMzY3JldEZha2U=", "Ym9iOnMzY3JldEZha2U="),
        ("curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.fake.sig' https://x", "eyJhbGciOiJIUzI1NiJ9.fake.sig"),
        ("> authorization: token 0123456789abcdef0123fake", "0123456789abcdef0123fake"),
        ("Proxy-Authorization: Basic dTpwYXNzZmFrZQ==", "dTpwYXNzZmFrZQ=="),
        ('{"Authorization": "Bearer tok.en-fake_42"}', "tok.en-fake_42"),
    ],
    "docker-config": [
        ('{"auths": {"https://index.docker.io/v1/": {"auth": "Ym9iOmh1bnRlcjJmYWtl"}}}', "Ym9iOmh1bnRlcjJmYWtl"),
        ('"ghcr.io": { "identitytoken": "id-tok-FAKE-123" }', "id-tok-FAKE-123"),
        ('"registrytoken":"reg-tok-FAKE-456"', "reg-tok-FAKE-456"),
    ],
    "password-flags": [
        ("docker login -u bob -p Hunter2Fake registry.example", "Hunter2Fake"),
        ("docker login --username bob --password s3cr3tFAKE ghcr.io", "s3cr3tFAKE"),
        ("docker login --password=pa55FAKE ghcr.io", "pa55FAKE"),
        ("echo dckr_pat_FAKEfake123 | docker login -u bob --password-stdin", "dckr_pat_FAKEfake123"),
        ("printf '%s' 'Tr0ub4dorFAKE' | docker login --password-stdin", "Tr0ub4dorFAKE"),
        ("curl -u bob:curlPassFAKE https://registry.example", "curlPassFAKE"),
    ],
    "url-encoded": [
        ("GET /login?next=%2Ftree%3Ftoken%3Dd60b82eeFAKE96f7785f HTTP/1.1", "d60b82eeFAKE96f7785f"),
        ("redirect=https%3A%2F%2Fx%2F%3Fpassword%3DpwFAKE123%26user%3Dbob", "pwFAKE123"),
        ("state=api_key%3DakFAKE999", "akFAKE999"),
    ],
    "named": [
        ("export GITHUB_PAT=0123456789abcdef0123456789abcdeffake0000", "0123456789abcdef0123456789abcdeffake0000"),
        ("GH_PAT='plainFAKEvalue'", "plainFAKEvalue"),
        ("HF_TOKEN=hf_FAKEfakeFAKEfake", "hf_FAKEfakeFAKEfake"),
        ("JUPYTER_TOKEN: abcFAKE", "abcFAKE"),
        ("http://127.0.0.1:8888/lab?token=f00dFAKEcafe1234", "f00dFAKEcafe1234"),
        ("HTTPS_PROXY=http://bob:pr0xyFAKE@10.0.0.1:3128", "pr0xyFAKE"),
    ],
}
CASES = [(kind, text, secret) for kind, cases in FAMILIES.items() for text, secret in cases]


@pytest.mark.parametrize("kind, text, secret", CASES, ids=[f"{k}-{i}" for k, cs in FAMILIES.items() for i in range(len(cs))])
def test_each_family_is_masked(kind, text, secret):
    out = Redactor()(text)
    assert secret not in out and MASK in out, out


@pytest.mark.parametrize("kind, text, secret", CASES)
def test_masking_is_idempotent_and_keeps_what_follows(kind, text, secret):
    """Outputs are masked at the door and again as a --record snapshot is written."""
    redact = Redactor()
    once = redact(text + "\nthe next line")
    assert redact(once) == once and once.endswith("\nthe next line")


# What checks parse, and look-alikes that are not secrets: untouched.
KEPT = [
    "|   0  NVIDIA GeForce RTX 3080      On   | 00000000:01:00.0  On |                  N/A |",
    "GPU 0: NVIDIA GeForce RTX 3080 (UUID: GPU-6f1c2a9e-0b7d-4c1e-9a55-3d2b1f0e8c71)",
    "nvidia/cuda@sha256:4b5a8bd5e1c9f0d2c4e2b5a3c6f1e0d9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3",
    "ii  nvidia-container-toolkit 1.14.3-1 amd64 NVIDIA Container toolkit\nii  libc6:amd64 2.35-0ubuntu3.8",
    "KEY_UP=103\nCONFIG_KEY_DH_OPERATIONS=y\nCONFIG_KEYS=y",
    "docker run --rm -p 8888:8888 -p 8787:8787 img\nlogin: ok -p 22",
    "docker login --password-stdin\nPATH=/usr/local/cuda/bin:/usr/bin\nLD_LIBRARY_PATH=/usr/lib/wsl/lib",
    "compat=1 sysctl kernel.compat=0\npassword: accepted\nmonkey patching",
    "password: rejected\r\npassword: unset\r\npassword: default\r\n",  # the RStudio script's verdicts, CRLF too
    " Registry: https://index.docker.io/v1/\n Runtimes: io.containerd.runc.v2 nvidia runc",
    "unix:///var/run/docker.sock ssh://git@github.com:22 glibc-source 2.35-0ubuntu3.8 xorg-server",
    "KEY                 VALUE\nghp_short gl-pat AKIA123 xoxb-",
]


@pytest.mark.parametrize("text", KEPT)
def test_what_checks_parse_is_kept(text):
    assert Redactor()(text) == text


def test_every_pattern_has_a_family():
    covered = {"github", "aws", "gitlab", "slack", "pem", "http-auth", "docker-config", "password-flag", "login-p",
               "curl-user", "password-stdin", "query-token", "urlencoded", "secret-name", "url-password"}
    assert set(PATTERN_NAMES) == covered
