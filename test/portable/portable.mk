# The self-contained agent (README, Build): for every arch, the ELF checks
# of the agent and of its stripped release copy (test/portable/check_elf.sh), the
# release tarballs' checksums and licenses (test/portable/check_dist.sh), and a smoke test in a Debian bullseye root
# with bullseye's own JDK (tools/rootfs.sh, test/portable/smoke.sh; the
# aarch64 one under qemu-aarch64-static).  Included by the top-level
# Makefile.  The roots are made once and kept under build/rootfs.
#
#   make test-portable                         everything
#   make test-portable PORTABLE_SMOKE=x86_64   smoke-test only that arch
#   make rootfs-clean                          delete the roots

PORTABLE_SMOKE ?= $(ARCHES)
portable_so = $$([ $(1) = $(HOST_ARCH) ] && echo $(BUILD) || echo $(BUILD)/$(1))/libspark_jmxagent.so
# Seconds since $$t, for the step timings the target prints.
portable_took = $$(( $$(date +%s) - t ))

.PHONY: test-portable rootfs rootfs-clean
TEST_TARGETS += test-portable

test-portable:
	@set -e; for a in $(ARCHES); do \
	  t=$$(date +%s); $(MAKE) --no-print-directory ARCH=$$a all dist-so >/dev/null; \
	  echo "test-portable: $$a agent built in $(portable_took) s"; \
	  so=$(call portable_so,$$a); test/portable/check_elf.sh $$a $$so; \
	  test/portable/check_elf.sh $$a $$(dirname $$so)/release/libspark_jmxagent.so; done
	@bash tools/dist.sh $(VERSION) $(ARCHES) >/dev/null && test/portable/check_dist.sh $(VERSION) $(ARCHES)
	@set -e; for a in $(PORTABLE_SMOKE); do \
	  t=$$(date +%s); bash tools/rootfs.sh $$a; \
	  echo "test-portable: $$a bullseye root ready in $(portable_took) s"; \
	  t=$$(date +%s); timeout -k 10 900 test/portable/smoke.sh $$a $(call portable_so,$$a); \
	  echo "test-portable: $$a smoke test in $(portable_took) s"; done

rootfs:
	@set -e; for a in $(PORTABLE_SMOKE); do bash tools/rootfs.sh $$a; done

rootfs-clean:
	@for d in $(BUILD)/rootfs/*/; do [ -d "$$d" ] || continue; \
	  awk -v d="$$(realpath $$d)/" 'index($$2, d) == 1 {print $$2}' /proc/mounts | sort -r | xargs -r -n1 umount -l; done
	rm -rf $(BUILD)/rootfs
