#!/usr/bin/env bash
# Builds the libraries the self-contained agent links statically, from
# Debian's source packages, with Zig's toolchain (tools/toolchain.sh):
#
#   tools/thirdparty.sh ARCH      ARCH = x86_64 | aarch64
#
# Sources: `apt-get source` of this machine's Debian release, through a
# private apt configuration under build/3p/apt whose deb-src entries are
# the machine's own deb entries (no host name in our files, nothing
# changed under /etc).  apt checks each file against the signed Sources
# index; dpkg-source checks the .dsc checksums again while unpacking.
# Either failing stops the build.
#
# Result, once per arch (a later run with the same script is a no-op):
#   build/3p/ARCH/include, build/3p/ARCH/lib/lib*.a, build/3p/ARCH/VERSIONS
# Every library is position-independent and compiled with hidden
# visibility; only the agent's Agent_* leave the .so (agent/agent.map).
set -euo pipefail
cd "$(dirname "$0")/.."

arch=${1:?usage: tools/thirdparty.sh x86_64|aarch64}
case $arch in x86_64|aarch64) ;; *) echo "thirdparty: unknown arch $arch" >&2; exit 2 ;; esac

bash tools/toolchain.sh
top=$(pwd)
tc=$top/build/toolchain/bin
src=$top/build/3p/src
out=$top/build/3p/$arch
stamp=$out/.stamp
want="$(cat tools/thirdparty.sh tools/patches/*.patch | sha256sum) $(cat build/toolchain/.stamp)"
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && exit 0

# Debian source package -> the directory it unpacks to (set by fetch).
PKGS=(zlib libyaml pcre2 mbedtls civetweb protobuf-c)
declare -A dir

# --- sources -----------------------------------------------------------
# apt-get with a configuration of its own under build/3p/apt.
aptb() {
  local a=$top/build/3p/apt
  apt-get -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$a/sources.list.d" \
          -o Dir::State="$a/state" -o Dir::Cache="$a/cache" -o Debug::NoLocking=1 \
          -o APT::Sandbox::User=root -qq "$@"
}

# deb-src twins of the machine's own deb entries for its release (suites
# named after the codename: bookworm, bookworm-updates, bookworm-security),
# from deb822 .sources files and one-line .list files alike.
write_deb_src() {
  local codename=$1 a=$top/build/3p/apt
  mkdir -p "$a/sources.list.d" "$a/state/lists/partial" "$a/cache/archives/partial"
  /usr/bin/python3 - "$codename" > "$a/sources.list.d/deb-src.sources" <<'PY'
import glob, re, sys
codename = sys.argv[1]
ours = lambda suite: suite == codename or suite.startswith(codename + "-")
out = []
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    for stanza in re.split(r"\n\s*\n", open(path).read()):
        fields, key = {}, None
        for line in stanza.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:
                fields[key] += "\n" + line
                continue
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
        if "deb" not in fields.get("Types", "").split() or fields.get("Enabled", "yes") == "no":
            continue
        suites = [s for s in fields.get("Suites", "").split() if ours(s)]
        if not suites:
            continue
        fields["Types"], fields["Suites"] = "deb-src", " ".join(suites)
        out.append("\n".join(f"{k}: {v}" for k, v in fields.items()))
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        lines = open(path).read().splitlines()
    except OSError:
        continue
    for line in lines:
        m = re.match(r"\s*deb\s+(\[[^]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)", line)
        if m and ours(m.group(3)):
            opts = m.group(1) or ""
            uri, suite, comps = m.group(2), m.group(3), m.group(4)
            signed = re.search(r"signed-by=(\S+?)\]?(\s|$)", opts)
            stanza = [f"Types: deb-src", f"URIs: {uri}", f"Suites: {suite}", f"Components: {comps}"]
            if signed:
                stanza.append(f"Signed-By: {signed.group(1)}")
            out.append("\n".join(stanza))
if not out:
    sys.exit(f"thirdparty: no Debian '{codename}' entry in /etc/apt/sources.list{{,.d/}}")
print("\n\n".join(out))
PY
}

# Downloads and unpacks the source packages not yet under build/3p/src
# (a package added to PKGS is fetched alone; the others stay).
fetch() {
  mkdir -p "$src"
  local p need=()
  for p in "${PKGS[@]}"; do
    ls "$src/${p}"_*.dsc >/dev/null 2>&1 && [ -f "$src/.complete-$p" ] || need+=("$p")
  done
  # Trees unpacked before the per-package marks existed.
  if [ -f "$src/.complete" ]; then
    for p in "${need[@]}"; do
      ls "$src/${p}"_*.dsc >/dev/null 2>&1 && touch "$src/.complete-$p"
    done
    rm -f "$src/.complete"
    need=()
    for p in "${PKGS[@]}"; do [ -f "$src/.complete-$p" ] || need+=("$p"); done
  fi
  [ "${#need[@]}" -gt 0 ] || return 0
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:?}")
  write_deb_src "$codename"
  aptb update
  rm -rf "$src.tmp" && mkdir -p "$src.tmp"
  for p in "${need[@]}"; do
    # The newest version first; where a mirror serves the binaries of an
    # update but not its source (seen with bookworm-security), the
    # release's own version, said on one line.
    if ! (cd "$src.tmp" && aptb source --download-only "$p" >/dev/null 2>&1); then
      echo "thirdparty: $p: the newest source is not served; using $p/$codename" >&2
      rm -f "$src.tmp/${p}_"*
      (cd "$src.tmp" && aptb source --download-only "$p/$codename" >/dev/null)
    fi
  done
  local dsc
  for dsc in "$src.tmp"/*.dsc; do
    # Unpacks and applies Debian's patches; a file whose checksum does not
    # match the .dsc is an error that stops the build.  (dpkg-source cannot
    # check the maintainer's signature of the .dsc without the debian-keyring
    # package; the .dsc itself is checked by apt against the Sources index
    # of the signed Release file.)
    if ! (cd "$src.tmp" && dpkg-source --require-strong-checksums -x "$(basename "$dsc")") \
         > "$src.tmp/dpkg-source.log" 2>&1; then
      cat "$src.tmp/dpkg-source.log" >&2
      echo "thirdparty: $(basename "$dsc"): unpacking failed; nothing was built" >&2
      exit 1
    fi
  done
  rm -f "$src.tmp/dpkg-source.log"
  for p in "${need[@]}"; do
    rm -rf "$src/${p}"_* "$src/${p}"-[0-9]*
    mv "$src.tmp/${p}"_* "$src.tmp/${p}"-[0-9]* "$src/"
    touch "$src/.complete-$p"
  done
  rm -rf "$src.tmp"
}

find_dirs() {
  local p d
  for p in "${PKGS[@]}"; do
    d=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name "$p-[0-9]*" | head -1)
    [ -n "$d" ] || { echo "thirdparty: no unpacked source of $p in $src" >&2; exit 1; }
    dir[$p]=$d
  done
}

# --- builds --------------------------------------------------------------
CC=$tc/$arch-cc
AR=$tc/$arch-ar
RANLIB=$tc/$arch-ranlib
# -fvisibility=hidden: no library symbol is exported or interposed, even
# before the agent's version script; sections let the link drop unused code.
# Their warnings are upstream's business (-w).
CFLAGS="-w -O2 -fPIC -fvisibility=hidden -ffunction-sections -fdata-sections -fno-omit-frame-pointer"
host=$arch-linux-gnu
JOBS=${JOBS:-2}

work() {  # a fresh copy of one source tree for this arch
  rm -rf "$out/work/$1" && mkdir -p "$out/work"
  cp -a "${dir[$1]}" "$out/work/$1"
  cd "$out/work/$1"
}

build_zlib() {
  work zlib
  CC=$CC AR=$AR RANLIB=$RANLIB CFLAGS="$CFLAGS" ./configure --static --prefix="$out" 
  make -j"$JOBS" libz.a
  cp libz.a "$out/lib/" && cp zlib.h zconf.h "$out/include/"
}

build_libyaml() {
  work libyaml
  # Eight C files: compiled directly (the autotools files are not in
  # Debian's source, and CMake is not needed for them).
  local v
  v=$(sed -n 's/^set (YAML_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\))/\2/p' CMakeLists.txt | paste -sd.)
  [ -n "$v" ] || { echo "thirdparty: no libyaml version in CMakeLists.txt" >&2; exit 1; }
  IFS=. read -r ma mi pa <<< "$v"
  printf '#define YAML_VERSION_MAJOR %s\n#define YAML_VERSION_MINOR %s\n#define YAML_VERSION_PATCH %s\n#define YAML_VERSION_STRING "%s"\n' \
    "$ma" "$mi" "$pa" "$v" > src/config.h
  local f objs=()
  for f in src/*.c; do
    $CC $CFLAGS -DHAVE_CONFIG_H -Iinclude -Isrc -c "$f" -o "${f%.c}.o"
    objs+=("${f%.c}.o")
  done
  $AR rcs libyaml.a "${objs[@]}"
  cp libyaml.a "$out/lib/" && cp include/yaml.h "$out/include/"
}

build_pcre2() {
  work pcre2
  # The 8-bit library with the JIT, nothing else.
  ./configure --host="$host" --build="$(uname -m)-linux-gnu" CC="$CC" AR="$AR" RANLIB="$RANLIB" \
    CFLAGS="$CFLAGS" --disable-shared --enable-static --with-pic --enable-jit \
    --enable-pcre2-8 --disable-pcre2-16 --disable-pcre2-32 --disable-pcre2grep-libz \
    --disable-pcre2grep-libbz2 --disable-pcre2test-libreadline --prefix="$out"
  make -j"$JOBS" libpcre2-8.la
  cp .libs/libpcre2-8.a "$out/lib/" && cp src/pcre2.h "$out/include/"
}

build_mbedtls() {
  work mbedtls
  # Threading as Debian configures it (civetweb's TLS serves from many
  # threads); the rest is upstream's default configuration.
  /usr/bin/python3 scripts/config.py set MBEDTLS_THREADING_C
  /usr/bin/python3 scripts/config.py set MBEDTLS_THREADING_PTHREAD
  make -C library -j"$JOBS" CC="$CC" AR="$AR" CFLAGS="$CFLAGS" static
  cp library/libmbedtls.a library/libmbedx509.a library/libmbedcrypto.a "$out/lib/"
  cp -a include/mbedtls "$out/include/"
}

build_civetweb() {
  work civetweb
  # Our own patch (tools/patches/, docs/tls.md "civetweb"): in mbedTLS mode
  # civetweb reads one PEM file, verifies no client and spins on a
  # non-blocking handshake; with it the agent hands civetweb an
  # mbedtls_ssl_config per accepted connection (certificate, trust,
  # versions, ciphers, rotation) and the handshake waits with a deadline.
  patch -p1 --no-backup-if-mismatch < "$top/tools/patches/civetweb-mbedtls-conf.patch"
  # Debian builds civetweb with CMake and OpenSSL loaded at run time; ours
  # is the one C file with mbedTLS linked in (USE_MBEDTLS), no CGI, and
  # Debian's options otherwise: IPv4 only, 100 KiB worker stacks (the
  # agent's threads that call into the JVM have their own, see scraper.c).
  # Zig's clang refuses __DATE__ (reproducible builds); civetweb only
  # reports it from mg_get_system_info, which the agent does not call.
  $CC $CFLAGS -Wno-date-time -std=gnu11 -DNDEBUG -DUSE_MBEDTLS -DNO_CGI -DUSE_STACK_SIZE=102400 \
    -Iinclude -I"$out/include" -c src/civetweb.c -o civetweb.o
  $AR rcs libcivetweb.a civetweb.o
  cp libcivetweb.a "$out/lib/" && cp include/civetweb.h "$out/include/"
}

build_protobuf_c() {
  work protobuf-c
  # The runtime library is one C file (protobuf-c/protobuf-c.c); the
  # compiler (protoc-c, C++) comes from Debian's protobuf-c-compiler.  The
  # code it generates includes <protobuf-c/protobuf-c.h>, as with the -dev
  # package.
  $CC $CFLAGS -std=gnu11 -I. -c protobuf-c/protobuf-c.c -o protobuf-c.o
  $AR rcs libprotobuf-c.a protobuf-c.o
  mkdir -p "$out/include/protobuf-c"
  cp libprotobuf-c.a "$out/lib/" && cp protobuf-c/protobuf-c.h "$out/include/protobuf-c/"
}

fetch
find_dirs
rm -rf "$out" && mkdir -p "$out/lib" "$out/include" "$out/logs"
for p in "${PKGS[@]}"; do
  t0=$(date +%s)
  if ! ( "build_${p//-/_}" ) > "$out/logs/$p.log" 2>&1; then
    tail -n 30 "$out/logs/$p.log" >&2
    echo "thirdparty: $arch: building $p failed; the whole log: $out/logs/$p.log" >&2
    exit 1
  fi
  echo "thirdparty: $arch: $(basename "${dir[$p]}") built in $(( $(date +%s) - t0 )) s"
done
rm -rf "$out/work"
for p in "${PKGS[@]}"; do
  basename "$(ls "$src"/"${p}"_*.dsc)" .dsc
done > "$out/VERSIONS"
echo "$want" > "$stamp"
