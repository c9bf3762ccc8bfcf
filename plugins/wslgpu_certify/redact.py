"""Keep secrets out of everything the suite writes: snapshots, reports, terminal, `diagnose`.

Two nets: patterns (the documented shapes of tokens, keys and passwords, below, each with its
source) and the literal values this run learnt are secret (a Jupyter token it read, a PASSWORD
it set). The door is one: every command's output passes `redact` as it enters the run
(hosts/runner.py, CommandRunner) and every paste as it enters `diagnose` (diagnose/split.py);
what is downstream of those doors (parsers, findings, reports, --record snapshots) only ever
holds masked text. A secret the suite must itself use again (the Jupyter token it sends back to
the server) is handed over by name (`learn` / `learnt`), never read back from evidence.

Patterns keep what names the secret (`GITHUB_PAT=`, `Authorization: Bearer `) and mask its value,
so a reader still sees what was there. They are shaped to leave alone what checks parse: GPU
UUIDs, `sha256:` digests, dpkg versions, KEY_UP-like names whose KEY does not end the name.
"""

from __future__ import annotations

import re
import threading
from typing import Callable, NamedTuple

from .lazy_regex import regex

MASK = "<REDACTED>"
# A literal shorter than this is not masked everywhere (a container printing `?token=ab` would otherwise
# mask every "ab" of every later output the checks parse); the patterns still mask it where it stands.
MIN_LITERAL = 6

# --- NAME=value where NAME says it holds a secret -------------------------------------------------
# TOKEN/PASSWORD/SECRET may be followed by `_...` (TOKEN_SECRET, SECRET_KEY_BASE); KEY must end the
# name (API_KEY, SECRET_ACCESS_KEY: not KEY_UP or CONFIG_KEY_DH_OPERATIONS, config listings);
# PAT only as a word of its own (GITHUB_PAT, GH_PAT: not compat= or PATH=), as gh and the GitHub CLI
# read it (https://cli.github.com/manual/gh_help_environment: GH_TOKEN, GITHUB_TOKEN; usethis/gh: GITHUB_PAT).
_SECRET_NAME = (r"(?:[A-Za-z0-9_]*(?:TOKEN|PASSWORD|PASSWD|PASSPHRASE|SECRET)(?:_[A-Za-z0-9_]*)?"
                r"|[A-Za-z0-9_]*KEY|(?:[A-Za-z0-9]+_)+PAT(?:_[A-Za-z0-9_]*)?)\b")

# `echo X | docker login --password-stdin` / `printf '%s' X | ...`: for each --password-stdin, the command
# piped into its line (at most PIPED_MAX characters back) when it is an echo or printf.
PIPED_MAX = 512
_PIPED_ECHO = regex(r"(\b(?:echo|printf)\s+(?:-[a-zA-Z]+\s+)*)(\S[^|\n]*?)\s*\|[^|]*\Z")


def _mask_piped_passwords(text: str) -> str:
    pieces, pos, at = [], 0, text.find("--password-stdin")
    while at >= 0:
        start = max(pos, text.rfind("\n", 0, at) + 1, at - PIPED_MAX)
        piped = _PIPED_ECHO.search(text, start, at)
        if piped:
            pieces += [text[pos:piped.start(2)], MASK]
            pos = piped.end(2)
        at = text.find("--password-stdin", at + 1)
    return "".join(pieces) + text[pos:] if pieces else text


# The value of a secret, in a URL query or a form: up to the next separator (`&`, a quote, space).
_QUERY_VALUE = r"[^\s&\"'<>]+"


class _Rule(NamedTuple):
    """One family: `mask(text)` runs only when the lower-cased text holds one of `triggers` (a literal
    test is far cheaper than a regex over an 8 MB output that holds no secret at all)."""

    name: str
    triggers: tuple[str, ...]
    mask: Callable[[str], str]


def _rule(name: str, triggers: tuple[str, ...], pattern: re.Pattern) -> _Rule:
    """A regex family: group 1 (what names the secret) is kept, the rest of the match masked."""
    return _Rule(name, triggers, lambda text: pattern.sub(lambda m: m.group(1) + MASK, text))


# PEM private keys (RFC 7468 §10 "PRIVATE KEY", §11 "ENCRYPTED PRIVATE KEY"; OpenSSL's legacy "RSA/EC/DSA
# PRIVATE KEY" with its "Proc-Type:"/"DEK-Info:" headers; "OPENSSH PRIVATE KEY", openssh PROTOCOL.key):
# the BEGIN line is kept, the block through its END line masked. A block with no END within PEM_MAX (cut
# short: an output cut at its cap, an excerpt) is masked over its base64 and header lines. A BEGIN line
# already followed by the mask is left alone (outputs are masked at the door and again at --record).
# One END search serves every BEGIN before that END: linear however many BEGINs an output holds.
PEM_MAX = 64 * 1024  # characters; an RSA-16384 key in PEM is about 13 KB
_PEM_BEGIN = regex(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----")
_PEM_END = regex(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----")
_PEM_BODY = regex(r"(?:\n[A-Za-z0-9+/=]+(?=\n|\Z)|\n[A-Za-z-]+:[^\n]*|\n(?=\n))*")


def _mask_pem_blocks(text: str) -> str:
    pieces, pos = [], 0
    end = None  # the first END line after the last search; False: there is none in the rest of the text
    for begin in _PEM_BEGIN.finditer(text):
        if begin.start() < pos or text.startswith(MASK, begin.end()):
            continue
        if end is not False and (end is None or end.start() < begin.end()):
            end = _PEM_END.search(text, begin.end()) or False
        if end and end.start() - begin.end() <= PEM_MAX:
            stop = end.end()
        else:
            stop = _PEM_BODY.match(text, begin.end()).end()
        pieces += [text[pos:begin.end()], MASK]
        pos = stop
    return "".join(pieces) + text[pos:] if pieces else text


_RULES: tuple[_Rule, ...] = (
    # PEM private keys: see _mask_pem_blocks.
    _Rule("pem", ("private key-----",), _mask_pem_blocks),
    # GitHub tokens: ghp_ (personal), gho_ (OAuth), ghu_ (user-to-server), ghs_ (server-to-server),
    # ghr_ (refresh), [A-Za-z0-9_], 40 chars today and "up to 255" announced
    # (https://github.blog/changelog/2021-03-31-authentication-token-format-updates-are-generally-available,
    # https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/); fine-grained PATs
    # github_pat_<22>_<59> (https://github.blog/2022-10-18-introducing-fine-grained-personal-access-tokens-for-github/).
    _rule("github", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
          regex(r"()\b(?:gh[pousr]_[A-Za-z0-9_]{30,251}|github_pat_[A-Za-z0-9_]{30,244})\b")),
    # AWS access key ids: AKIA (long-lived) and ASIA (STS temporary) + 16 of [A-Z0-9], 20 in all
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids).
    _rule("aws", ("akia", "asia"), regex(r"()\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    # GitLab tokens by their documented prefixes (https://docs.gitlab.com/ee/security/tokens/#token-prefixes):
    # glpat- personal/project/group access, gloas- OAuth app secret, gldt- deploy, glrt-/glrtr- runner,
    # glcbt- CI/CD job, glptt- pipeline trigger, glft- feed, glimt- incoming mail, glagent- agent for
    # Kubernetes, glsoat- SCIM OAuth, glffct- feature flags client; GR1348941 legacy runner registration.
    _rule("gitlab", ("glpat-", "gloas-", "gldt-", "glrt", "glcbt-", "glptt-", "glft-", "glimt-", "glagent-",
                     "glsoat-", "glffct-", "gr1348941"),
          regex(r"()\b(?:(?:glpat|gloas|gldt|glrtr|glrt|glcbt|glptt|glft|glimt|glagent|glsoat|glffct)-"
                r"[A-Za-z0-9_.\-]{20,}|GR1348941[A-Za-z0-9_\-]{20,})")),
    # Slack: xoxb- bot, xoxp- user, xoxa-/xoxr- (legacy workspace app access/refresh), xoxs-, xoxe- config
    # and rotation, xapp- app-level (https://api.slack.com/authentication/token-types).
    _rule("slack", ("xox", "xapp-"), regex(r"()\b(?:xox[abprse](?:\.xox[abprse])?-|xapp-)[A-Za-z0-9\-]{10,}")),
    # HTTP credentials: Authorization/Proxy-Authorization: Basic/Bearer/token/Digest ... (RFC 9110 §11.6.2,
    # §11.7.2), in a header dump, a curl -H, or a JSON/YAML field: the whole credential to the line's end.
    _rule("http-auth", ("authorization",),
          regex(r"(?i)(\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?"
                r"(?:(?:basic|bearer|token|digest|negotiate|ntlm)\s+)?)[^\s\"'][^\n\"']*")),
    # ~/.docker/config.json: "auth" (base64 of user:password), "identitytoken", "registrytoken"
    # (https://docs.docker.com/reference/cli/docker/login/#credential-stores, docker/cli configfile).
    _rule("docker-config", ('"auth"', '"identitytoken"', '"registrytoken"', '"password"'),
          regex(r"(?i)(\"(?:auth|identitytoken|registrytoken|password)\"\s*:\s*\")[^\"]+")),
    # CLI password flags: --password X / --password=X (docker login, mysql, ...; never --password-stdin),
    # `docker login -p X` (https://docs.docker.com/reference/cli/docker/login/), curl -u user:password.
    # (Arguments are walked a word at a time, at most a dozen: the cost of each `docker login` or `curl`
    # an output holds is bounded, whatever it holds.)
    _rule("password-flag", ("--password",), regex(r"(--password(?:\s+|=)[\"']?)(?!-)[^\s\"']+")),
    _rule("login-p", (" login",),
          regex(r"(\b(?:docker|podman|nerdctl|buildah|skopeo|oras)(?:\.exe)?\s+login"
                r"(?:\s+(?!-p)[^\s|;&]+){0,12}\s+-p(?:\s+|=)?[\"']?)(?!-)[^\s\"']+")),
    _rule("curl-user", ("curl",),
          regex(r"(\bcurl(?:\.exe)?(?:\s+(?!-u\b|--user\b)[^\s|;&]+){0,16}"
                r"\s+(?:-u|--user)\s+[\"']?[^\s:\"']{0,256}:)[^\s\"']+")),
    # `echo X | docker login --password-stdin`: what is echoed into the login is the password.
    _Rule("password-stdin", ("--password-stdin",), _mask_piped_passwords),
    # ?token=abc / &token=abc in Jupyter URLs, and URL-encoded secrets (token%3D..., password%3D...) in a
    # redirect or a logged query string.
    _rule("query-token", ("token=",), regex(r"(?i)([?&]token=)" + _QUERY_VALUE)),
    _rule("urlencoded", ("%3d",),
          regex(r"(?i)(\b[A-Za-z0-9_]*(?:token|password|passwd|secret|api_?key|pat)%3D)"
                r"(?:[^\s&\"'<>%]|%(?!26)[0-9A-Fa-f]{2})+")),
    # PASSWORD=ms, -e PASSWORD=ms, API_KEY: "x", "GITHUB_TOKEN": "x", GITHUB_PAT=x in ~/.bashrc
    # (not the verdicts the suite's own RStudio password script prints: "password: accepted", probes/containers.py)
    _rule("secret-name", ("token", "password", "passwd", "passphrase", "secret", "key", "_pat"),
          regex(r"(?im)(\b" + _SECRET_NAME + r"[\"']?\s*[=:]\s*[\"']?)"
                r"(?!" + re.escape(MASK) + r"|(?:accepted|rejected|unset|default)(?:\s|$))[^\s\"',;&]+")),  # \r\n too
    # a password in a URL: daemon.json's "http-proxy": "http://user:pass@proxy:3128", registry mirrors,
    # HTTP(S)_PROXY
    _rule("url-password", ("://",),
          regex(r"(?i)(\b[a-z][a-z0-9+.-]{0,30}://[^\s/@:\"']{1,1024}:)[^\s/@\"']{1,1024}(?=@)")),
)
PATTERN_NAMES = tuple(rule.name for rule in _RULES)


class Redactor:
    """Masks secret-looking values and every literal secret registered with it."""

    def __init__(self) -> None:
        self._literals: set[str] = set()
        self._learnt: dict[str, str] = {}
        self._lock = threading.Lock()  # prefetch threads pass outputs through the door concurrently

    def add_secret(self, value: str | None) -> None:
        if value and len(value) >= MIN_LITERAL and value != MASK:
            with self._lock:
                self._literals.add(value)

    def learn(self, name: str, value: str | None) -> None:
        """A secret the suite read and must use again itself (Jupyter's token): masked everywhere, and
        kept under `name` for the check that sends it back."""
        self.add_secret(value)
        if value:
            with self._lock:
                self._learnt[name] = value

    def learnt(self, name: str) -> str | None:
        with self._lock:
            return self._learnt.get(name)

    def __call__(self, text: str | None) -> str:
        if not text:
            return text or ""
        with self._lock:
            literals = sorted(self._literals, key=len, reverse=True)
        for literal in literals:
            text = text.replace(literal, MASK)
        lowered = text.lower()
        for rule in _RULES:
            if any(map(lowered.__contains__, rule.triggers)):  # `trigger in lowered`, without a generator's frames
                text = rule.mask(text)  # the mask holds no trigger: `lowered` still says what may match
        return text


redact = Redactor()
"""The process-wide redactor: one set of known secrets per run."""
