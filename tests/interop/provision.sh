#!/usr/bin/env bash
# Installs what the interop tests need, once: `npm ci` in every npm folder under tests/interop whose node_modules is
# missing or older than its package-lock.json, nginx (Debian's nginx-light) when /usr/sbin/nginx is missing, and
# Chromium (Debian's chromium, driven headless by the browser tests through Playwright) when /usr/bin/chromium is missing.
# Run by the test project before its tests (tests/Provisioning.targets), so `dotnet test ResilientSockets.sln -c Release`
# works on a fresh machine; safe to run by hand. Quick (a few file checks) when everything is in place.
# Node itself is expected on PATH (Node 20 is preinstalled on the project's machines). Never install Debian's
# nodejs/npm packages: on Debian 12 they conflict with it.
set -euo pipefail
interop="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
me="tests/interop/provision.sh"

fail() {
  # "origin: error: text" is MSBuild's canonical error format, so the message shows as a build error, not noise.
  echo "${me}: error: $*" >&2
  exit 1
}

needs_npm_ci() {
  local folder="$1"
  [ -f "${folder}/node_modules/.provisioned" ] || return 0
  [ "${folder}/node_modules/.provisioned" -nt "${folder}/package-lock.json" ] || return 0
  [ "${folder}/node_modules/.provisioned" -nt "${folder}/package.json" ] || return 0
  return 1
}

needs_nginx() {
  [ ! -x /usr/sbin/nginx ]
}

needs_chromium() {
  [ ! -x /usr/bin/chromium ]
}

pending_npm=()
for manifest in "${interop}"/*/package.json; do
  [ -f "${manifest}" ] || continue
  folder="$(dirname "${manifest}")"
  if needs_npm_ci "${folder}"; then
    pending_npm+=("${folder}")
  fi
done

if [ "${#pending_npm[@]}" -eq 0 ] && ! needs_nginx && ! needs_chromium; then
  exit 0
fi

# One provisioning at a time (two test runs, or two builds of the test project, may start together). The checks are
# repeated under the lock: whoever waited finds the work done.
# The lock is on the folder itself, so no lock file is left behind.
exec 9<"${interop}"
flock 9

for folder in "${pending_npm[@]}"; do
  needs_npm_ci "${folder}" || continue
  [ -f "${folder}/package-lock.json" ] || fail "${folder} has a package.json but no package-lock.json: run \`npm install\` there and commit the lock file."
  command -v npm >/dev/null 2>&1 || fail "npm is required for the interop peers (Node 20 with npm on PATH); then run: cd ${folder} && npm ci"
  echo "Provisioning: npm ci in ${folder}"
  (cd "${folder}" && npm ci --no-audit --no-fund --loglevel=error) || fail "\`npm ci\` failed in ${folder} (see above)."
  touch "${folder}/node_modules/.provisioned"
done

if needs_nginx; then
  if [ "$(id -u)" -ne 0 ]; then
    fail "nginx is required for the reverse-proxy tests and is not installed. Install it with: sudo apt-get update && sudo apt-get install -y nginx-light"
  fi
  echo "Provisioning: apt-get install nginx-light"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get -o DPkg::Lock::Timeout=300 update -qq \
      && apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends nginx-light >/dev/null; } \
    || fail "installing nginx failed; run: apt-get update && apt-get install -y nginx-light"
  [ -x /usr/sbin/nginx ] || fail "nginx-light was installed but /usr/sbin/nginx is missing."
  # Debian's package starts a system nginx on port 80; the tests start their own instances and do not need it.
fi

if needs_chromium; then
  if [ "$(id -u)" -ne 0 ]; then
    fail "Chromium is required for the browser tests (tests/ResilientSockets.Browser.Tests) and is not installed. Install it with: sudo apt-get update && sudo apt-get install -y chromium"
  fi
  echo "Provisioning: apt-get install chromium"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get -o DPkg::Lock::Timeout=300 update -qq \
      && apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium >/dev/null; } \
    || fail "installing Chromium failed; run: apt-get update && apt-get install -y chromium"
  [ -x /usr/bin/chromium ] || fail "chromium was installed but /usr/bin/chromium is missing."
fi
