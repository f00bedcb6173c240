#!/usr/bin/env bash
# Installs what the slower tests need beyond Python, where this machine allows it; never fails the build:
# a test whose tool is still missing skips and says why.
set -u
cd "$(dirname "$0")/.."
log() { printf 'tools: %s\n' "$*"; }

have() { command -v "$1" >/dev/null 2>&1; }
apt_install() {
  have apt-get || return 1
  [ "$(id -u)" = 0 ] || { have sudo && SUDO=sudo || return 1; }
  if [ -z "${APT_UPDATED:-}" ]; then ${SUDO:-} apt-get update -qq >/dev/null 2>&1; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

if ! have java; then
  log "installing Java for the HTML validator"
  apt_install default-jre-headless || log "Java could not be installed; validator tests will skip"
fi
if ! have chromium; then
  log "installing Chromium for the browser test"
  apt_install chromium || log "Chromium could not be installed; the browser test will skip"
fi
# Template checks: the SAM CLI (which brings cfn-lint) and checkov, each in its own venv under .tools/, pinned to
# the versions the template was verified with (a newer checkov may bring new checks to satisfy or skip).
tool_venv() {  # tool_venv NAME BINARY PACKAGE...
  local name=$1 binary=$2; shift 2
  [ -x ".tools/$name/bin/$binary" ] && return 0
  log "installing $* into .tools/$name"
  rm -rf ".tools/$name"
  { python3 -m venv ".tools/$name" && ".tools/$name/bin/python" -m pip install --quiet --upgrade pip \
      && ".tools/$name/bin/python" -m pip install --quiet "$@"; } >".tools/$name.log" 2>&1 \
    || { log "$* could not be installed (see .tools/$name.log); the tests that need it will skip"; return 0; }
}
mkdir -p .tools
tool_venv sam sam aws-sam-cli==1.170.0
tool_venv checkov checkov checkov==3.3.30
exit 0
