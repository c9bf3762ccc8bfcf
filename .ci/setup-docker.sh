#!/usr/bin/env bash
# Make a Docker engine available on a Debian (bookworm) CI host without
# registry access: install Debian's docker.io + mmdebstrap if missing, then
# start dockerd if `docker info` does not answer.  Idempotent; run as root.
#
# Note: dockerd is started with --iptables=false, so there is no NAT:
# containers reach the network only with `--network host`.
set -euo pipefail

log() { echo "setup-docker: $*" >&2; }
die() { echo "setup-docker: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"
export DEBIAN_FRONTEND=noninteractive

# --- packages ---------------------------------------------------------------
# docker.io pulls containerd/runc/tini; mmdebstrap builds the stand-in image's
# rootfs; uidmap is a mmdebstrap recommend (needed for its unshare mode only,
# harmless otherwise); ca-certificates for TLS to PyPI through the proxy.
want=(docker.io mmdebstrap uidmap ca-certificates iptables)
missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing: ${missing[*]}"
    # Update the index once, only when we actually have to install something
    # (and the candidate is unknown or the index is older than a day).
    aptlog=/tmp/setup-docker-apt.log
    fresh=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -n1)
    if [ -z "$fresh" ] || ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
        apt-get update -qq >"$aptlog" 2>&1 || die "apt-get update failed; see $aptlog"
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$aptlog" 2>&1 \
        || die "apt-get install ${missing[*]} failed; see $aptlog"
fi

# --- daemon -----------------------------------------------------------------
if docker info >/dev/null 2>&1; then
    exit 0
fi

command -v dockerd >/dev/null || die "dockerd not found after install"
if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd (log: /tmp/dockerd.log)"
    # setsid + nohup: survive the calling shell / CI step.
    setsid nohup dockerd --iptables=false >/tmp/dockerd.log 2>&1 </dev/null &
fi

for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
        log "dockerd is up ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
        exit 0
    fi
    sleep 1
done
die "dockerd did not answer within 60s; see /tmp/dockerd.log: $(tail -n1 /tmp/dockerd.log 2>/dev/null)"
