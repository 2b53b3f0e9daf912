#!/usr/bin/env bash
# Asserts that a built agent loads wherever Spark runs (README, Build):
#   - it is an ELF shared object of the given arch;
#   - it needs no shared library beyond glibc's own, and not libm (NEEDED);
#   - no symbol version it asks for is newer than GLIBC_2.17 (nor from
#     another library: no GCC_*, no CXXABI_*);
#   - it exports Agent_OnLoad, Agent_OnAttach and Agent_OnUnload and
#     nothing else (civetweb, mbedTLS, libyaml, PCRE2, zlib stay hidden).
#
#   test/portable/check_elf.sh ARCH path/libspark_jmxagent.so
# readelf reads any arch's ELF, so both builds are checked on one machine.
set -euo pipefail
arch=$1 so=$2
fail=0
err() { echo "check_elf: $so: $*" >&2; fail=1; }

[ -f "$so" ] || { echo "check_elf: $so does not exist (make ARCH=$arch)" >&2; exit 1; }
case $arch in
  x86_64)  machine='Advanced Micro Devices X86-64'; ldso=ld-linux-x86-64.so.2 ;;
  aarch64) machine='AArch64';                        ldso=ld-linux-aarch64.so.1 ;;
  *) echo "check_elf: unknown arch $arch" >&2; exit 2 ;;
esac
hdr=$(readelf -h "$so")
grep -q "Type:.*DYN" <<< "$hdr" || err "not a shared object"
grep -q "Machine:.*$machine" <<< "$hdr" || err "not an $arch object: $(grep Machine: <<< "$hdr")"

# The glibc libraries the agent uses, nothing else.  Not libm: its one
# libm function, floor() in javafmt.c, comes from Zig's compiler-rt, linked
# in statically, so the link's -lm adds no NEEDED entry; one that appears
# means a new libm call, which should be known (and is easily avoided).
allowed=" libc.so.6 libpthread.so.0 libdl.so.2 librt.so.1 $ldso "
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for lib in $needed; do
  case $lib in
    libm.so.*) err "needs $lib: the agent should call no libm function; find the call with" \
                   "readelf --dyn-syms -W $so | grep UND and replace it" ;;
    *) [[ $allowed == *" $lib "* ]] || err "needs $lib (only glibc's libraries are allowed)" ;;
  esac
done

# Every version the .so requires (the version-needs section).
versions=$(readelf -V -W "$so" | sed -n 's/.*Name: \([A-Za-z_]*_[0-9.]*\).*Flags.*/\1/p' | sort -u)
max=
for v in $versions; do
  case $v in
    GLIBC_PRIVATE) err "uses GLIBC_PRIVATE symbols" ;;
    GLIBC_*) n=${v#GLIBC_}
             if [ "$(printf '%s\n2.17\n' "$n" | sort -V | tail -1)" != 2.17 ]; then
               err "needs $v: $(readelf --dyn-syms -W "$so" | grep "@$v" | awk '{print $8}' | sort -u | paste -sd' ')"
             fi
             max=$(printf '%s\n%s\n' "$max" "$n" | sort -V | tail -1) ;;
    *) err "needs symbol version $v (not glibc's)" ;;
  esac
done

# Defined, global, dynamic symbols: exactly the JVMTI entry points.
exported=$(readelf --dyn-syms -W "$so" | awk '$7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") {sub(/@.*/, "", $8); print $8}' | sort -u | paste -sd' ')
[ "$exported" = "Agent_OnAttach Agent_OnLoad Agent_OnUnload" ] || err "exports [$exported], not just Agent_*"

[ $fail = 0 ] || exit 1
echo "check_elf: $arch $so: $(stat -c %s "$so") bytes; needs $(echo $needed | tr ' ' ','); newest glibc symbol version ${max:-none}; exports $exported"
