#!/usr/bin/env bash
# The agent in an older userland, for real: a Debian bullseye root
# (glibc 2.31, tools/rootfs.sh) with bullseye's own OpenJDK 17 and none of
# our libraries.  A fixture JVM inside it loads the agent, and one scrape
# from outside (the chroot shares the loopback) must return its samples,
# over https: the agent serves TLS from a PKCS#12 keystore (made here with
# openssl), so the keystore reader and mbedTLS run on that arch too, and
# curl checks the certificate against its CA file.
# aarch64 runs under qemu-aarch64-static: slow, so the deadlines are long.
#
#   test/portable/smoke.sh ARCH path/libspark_jmxagent.so     (as root)
set -euo pipefail
cd "$(dirname "$0")/../.."
arch=$1 so=$2
case $arch in
  x86_64)  debarch=amd64; emu=();                            start_timeout=60 ;;
  aarch64) debarch=arm64; emu=(/usr/bin/qemu-aarch64-static); start_timeout=600 ;;
  *) echo "smoke: unknown arch $arch" >&2; exit 2 ;;
esac
root=build/rootfs/bullseye-$debarch
java=/usr/lib/jvm/java-17-openjdk-$debarch/bin/java
[ -f "$so" ] || { echo "smoke: $so does not exist (make ARCH=$arch)" >&2; exit 1; }
[ -x "$root$java" ] || { echo "smoke: no $java in $root (tools/rootfs.sh $arch)" >&2; exit 1; }
if ls "$root"/usr/lib/*/libcivetweb* "$root"/usr/lib/*/libyaml* "$root"/usr/lib/*/libpcre2* >/dev/null 2>&1; then
  echo "smoke: $root has one of the agent's libraries; it must not" >&2; exit 1
fi
glibc=$(ls "$root"/lib/*-linux-gnu/libc-*.so | sed 's/.*libc-\(.*\)\.so/\1/')

# The fixture, compiled here for Java 17; the agent, its config and the
# classes go to /opt/jxa inside the root.
work=build/portable/classes
mkdir -p "$work"
javac --release 17 -encoding UTF-8 -d "$work" test/it/fixtures/*.java
opt=$root/opt/jxa
rm -rf "$opt" && mkdir -p "$opt"
cp "$so" "$opt/libspark_jmxagent.so"
cp -a "$work" "$opt/classes"
# A self-signed certificate for 127.0.0.1, two days, in a PKCS#12 keystore.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$opt/tls.key" -out "$opt/tls.crt" \
  -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost -days 2 2>/dev/null
openssl pkcs12 -export -in "$opt/tls.crt" -inkey "$opt/tls.key" -name server \
  -passout pass:smoke-tls -out "$opt/tls.p12"
cat > "$opt/config.yaml" <<'YAML'
lowercaseOutputName: true
rules:
  - pattern: ".*"
httpServer:
  ssl:
    keyStore:
      filename: tls.p12
      password: smoke-tls
    certificate:
      alias: server
YAML
[ "${#emu[@]}" = 0 ] || cp "${emu[0]}" "$root${emu[0]}"

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=build/portable/smoke-$arch.log
mounted=0
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  [ $mounted = 0 ] || umount -l "$root/proc"
}
trap cleanup EXIT
trap "exit 1" TERM INT
# The JVM needs /proc.  Never through a symlink: that would mount over the host's.
[ -d "$root/proc" ] && [ ! -L "$root/proc" ] || { echo "smoke: $root/proc is not a directory" >&2; exit 1; }
if ! mountpoint -q "$root/proc"; then mount -t proc proc "$root/proc"; mounted=1; fi

t0=$(date +%s.%N)
# --live: the fixture's main returns after that long, and the JVM ends by
# itself even if this script is killed before its cleanup.
chroot "$root" "${emu[@]}" "$java" -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  "-agentpath:/opt/jxa/libspark_jmxagent.so=127.0.0.1:$port:/opt/jxa/config.yaml" \
  -cp /opt/jxa/classes Fixture --live $((start_timeout + 60)) > "$log" 2>&1 &
pid=$!

body=
for ((i = 0; i < start_timeout * 4; i++)); do
  kill -0 "$pid" 2>/dev/null || break
  if grep -q READY "$log" && body=$(curl -sf --max-time 60 --cacert "$opt/tls.crt" "https://127.0.0.1:$port/metrics"); then
    case $body in *jmxagent_jmx_ready\ 1*) break ;; esac
  fi
  sleep 0.25
done
t1=$(date +%s.%N)
if ! grep -q '^jmx_exporter_build_info{.*name="libspark_jmxagent"' <<< "$body" ||
   ! grep -q '^jvm_memory_used_bytes{' <<< "$body" ||
   ! grep -q '^fixture_' <<< "$body"; then
  echo "smoke: $arch: no complete https scrape from the JVM in $root; its output:" >&2
  tail -n 30 "$log" >&2
  echo "smoke: last body: $(head -c 600 <<< "$body")" >&2
  exit 1
fi
runtime=$(grep -o '^jvm_runtime_info{[^}]*}' <<< "$body" | head -1)
printf 'smoke: %s in Debian bullseye (glibc %s), %s: %d samples, %d bytes over https, first full scrape %.1f s after start\n' \
  "$arch" "$glibc" "$runtime" "$(grep -vc '^#' <<< "$body")" "${#body}" "$(awk -v a="$t0" -v b="$t1" "BEGIN {print b - a}")"
