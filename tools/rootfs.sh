#!/usr/bin/env bash
# An older userland to load the agent in: Debian bullseye (glibc 2.31, as
# in the apache/spark:3.4.1 image) with its own OpenJDK 17 and none of our
# libraries, made with debootstrap once and kept under build/rootfs.
#
#   tools/rootfs.sh x86_64     build/rootfs/bullseye-amd64, a complete system
#   tools/rootfs.sh aarch64    build/rootfs/bullseye-arm64, the packages
#                              unpacked (debootstrap --foreign); its programs
#                              run under qemu-aarch64-static
#
# Needs root (debootstrap) and the Debian packages debootstrap and
# qemu-user-static (.ci/deps.d/portable.list).  The mirror is the one this
# machine's own apt sources name, so no host name is written here.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=${1:?usage: tools/rootfs.sh x86_64|aarch64}
SUITE=bullseye
PACKAGES=openjdk-17-jre-headless
case $arch in
  x86_64)  debarch=amd64 ;;
  aarch64) debarch=arm64 ;;
  *) echo "rootfs: unknown arch $arch" >&2; exit 2 ;;
esac
root=build/rootfs/$SUITE-$debarch
stamp=$root.stamp
want="$SUITE $debarch $PACKAGES $(sha256sum < "$0")"
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$root" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "rootfs: debootstrap needs root; run 'make $arch rootfs' as root" >&2
  exit 1
fi

# The first Debian archive this machine's apt uses for its own release.
mirror=$(/usr/bin/python3 - <<'PY'
import glob, re
codename = dict(l.rstrip().split("=", 1) for l in open("/etc/os-release") if "=" in l)["VERSION_CODENAME"].strip('"')
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    for stanza in re.split(r"\n\s*\n", open(path).read()):
        f = dict((k.strip(), v.strip()) for k, _, v in (l.partition(":") for l in stanza.splitlines()
                 if l.strip() and not l.startswith("#") and l[0] not in " \t"))
        if "deb" in f.get("Types", "").split() and codename in f.get("Suites", "").split():
            print(f["URIs"].split()[0]); raise SystemExit
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        for line in open(path):
            m = re.match(r"\s*deb\s+(\[[^]]*\]\s+)?(\S+)\s+(\S+)\s", line)
            if m and m.group(3) == codename:
                print(m.group(2)); raise SystemExit
    except OSError:
        pass
raise SystemExit("rootfs: no Debian mirror for this machine's release in /etc/apt")
PY
)

# debootstrap mounts /proc and /sys inside the target while it configures
# it; a run that failed may leave them: unmount before deleting anything.
unmount_under() {
  local d
  d=$(realpath -m "$1")
  awk -v d="$d/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l
}
for d in "$root" "$root.tmp"; do unmount_under "$d"; done
rm -rf "$root" "$root.tmp" "$stamp"
mkdir -p build/rootfs
t0=$(date +%s)
log=build/rootfs/$SUITE-$debarch.log
opts=(--variant=minbase --arch="$debarch" --include="$PACKAGES")
[ "$arch" = "$(uname -m)" ] || opts+=(--foreign)
if ! debootstrap "${opts[@]}" "$SUITE" "$root.tmp" "$mirror" > "$log" 2>&1; then
  unmount_under "$root.tmp"
  tail -n 20 "$log" >&2
  echo "rootfs: debootstrap $SUITE $debarch failed; the whole log: $log" >&2
  exit 1
fi
if [ "$arch" != "$(uname -m)" ]; then
  # debootstrap's second stage runs the packages' scripts, which needs the
  # kernel to run arm64 programs by itself (binfmt_misc, a setting of the
  # whole machine).  The smoke test needs only the files: unpack every
  # package it fetched, as the first stage unpacked the essential ones.
  for deb in "$root.tmp"/var/cache/apt/archives/*.deb; do
    dpkg-deb --fsys-tarfile "$deb" | tar -C "$root.tmp" -xf - --keep-directory-symlink
  done
  # A first stage in a container leaves /proc as a symlink to the host's.
  if [ -L "$root.tmp/proc" ]; then rm "$root.tmp/proc" && mkdir "$root.tmp/proc"; fi
fi
mv "$root.tmp" "$root"
echo "$want" > "$stamp"
echo "rootfs: $root in $(( $(date +%s) - t0 )) s"
