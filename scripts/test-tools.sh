#!/usr/bin/env bash
# The programs the tests run that npm cannot bring: found on PATH, or installed from Debian.
# `npm test` runs this first, `npm run test:rgw` with --ceph. Only missing ones are installed, as
# root or through passwordless sudo; otherwise it stops and prints the apt-get command to run.
#
#   unzip, bsdtar, python3, java  independent ZIP readers the archives are checked with
#   curl                          downloads and resumes bundles as a user would
#   ceph binaries (--ceph)        the ones scripts/lib/rgw.ts runs for a one-node Ceph RGW
set -euo pipefail

ceph=false
case "${1-}" in
'') ;;
--ceph) ceph=true ;;
*)
  echo "usage: $0 [--ceph]" >&2
  exit 2
  ;;
esac

missing=()
need() { # need PACKAGE: queue a Debian package once
  local package
  for package in ${missing[@]+"${missing[@]}"}; do [ "$package" = "$1" ] && return 0; done
  missing+=("$1")
}
has() { command -v "$1" >/dev/null 2>&1; }

# test/unit/zip/ZipCheck.java runs with the JDK's single-file source launcher (JEP 330, Java 11),
# which compiles in memory with the jdk.compiler module: a bare JRE without it cannot run it.
java_ok() {
  local modules
  modules=$(java --list-modules 2>/dev/null) || return 1
  grep -q '^jdk\.compiler@' <<<"$modules" || return 1
  local version
  version=$(sed -n 's/^java\.base@\([0-9]*\).*/\1/p' <<<"$modules")
  [ -n "$version" ] && [ "$version" -ge 11 ]
}

check() {
  has unzip || need unzip
  has bsdtar || need libarchive-tools
  has python3 || need python3
  has curl || need curl
  java_ok || need default-jdk-headless
  if $ceph; then
    # Debian's packages for them: radosgw-admin and ceph are in ceph-common, monmaptool in
    # ceph-base (a dependency of ceph-mon).
    has radosgw || need radosgw
    has ceph-mon || need ceph-mon
    has monmaptool || need ceph-mon
    has ceph-osd || need ceph-osd
    has radosgw-admin || need ceph-common
    has ceph || need ceph-common
  fi
}

check
[ "${#missing[@]}" -eq 0 ] && exit 0

command_line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ]; then
  as_root=()
elif has sudo && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  {
    echo "The tests need Debian packages that are not installed: ${missing[*]}."
    echo "Installing them needs root (or passwordless sudo). Run, as root:"
    echo "  $command_line"
  } >&2
  exit 1
fi

echo "installing from Debian for the tests: ${missing[*]}" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# A fresh machine may be running its first unattended upgrade: wait for dpkg's lock, not fail.
wait_for_lock=(-o DPkg::Lock::Timeout=300)
if ! {
  "${as_root[@]}" apt-get "${wait_for_lock[@]}" update -q &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get "${wait_for_lock[@]}" install -y -q --no-install-recommends "${missing[@]}"
} >"$log" 2>&1; then
  cat "$log" >&2
  echo "Installing ${missing[*]} failed (output above). The command was: $command_line" >&2
  exit 1
fi

missing=()
check
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installed, yet still missing from PATH ($PATH): the programs of ${missing[*]}" >&2
  exit 1
fi
