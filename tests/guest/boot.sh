# boot.sh: the boot protocols, each checked from inside a guest: PVH
# (pvh_guest.elf), Multiboot 1 (mb_guest.elf, an ELF32, and mb_aout.bin,
# by the header's address fields) and the Linux 64-bit boot protocol
# (bz_*.bzimage, made by guests/tools/mkbzimage around bz_guest).  The
# guests take their expectations from the command line (check=, ram_mib=,
# mods=, modI=, rsdp=; guests/rt/bootproto.h) and exit with 67 (PVH), 69
# (Multiboot) or 71 (bzImage) when every check passed, 253 when one failed.
# Sourced by tests/guest/run; each test_* function is one test.

BOOT_MOD0="HYVEMOD0 the first module, made recognisable by the test END0"
BOOT_MOD1="HYVEMOD1 the second one END1"

# boot_mods: $T_TMP/mod0 and mod1 (plain) and mod0.gz (gzip'd mod0).
boot_mods() {
	printf '%s' "$BOOT_MOD0" >"$T_TMP/mod0"
	printf '%s' "$BOOT_MOD1" >"$T_TMP/mod1"
	gzip -9nc "$T_TMP/mod0" >"$T_TMP/mod0.gz"
}

# expect_passed WHO STATUS: the guest's own checks all passed.
expect_passed() {
	expect_status "$2" && expect_in "$out" "$1: all checks passed" &&
		expect_not_in "$out" "FAIL"
}

# PVH ------------------------------------------------------------------

test_pvh_auto_detected() {
	need_kvm || return
	hv run --kernel "$G/pvh_guest.elf" --debug-exit -v \
		--cmdline "check=pvh-auto ram_mib=256"
	expect_passed pvh 67 &&
		expect_in "$err" "pvh_guest.elf: pvh image at 0x100000" &&
		expect_in "$out" "pvh: magic=0x336ec578 version=1" &&
		expect_in "$out" "pvh: cmdline=[check=pvh-auto ram_mib=256]" &&
		expect_in "$out" "pvh: check=pvh-auto" &&
		expect_in "$out" 'rsdp: "RSD PTR "' &&
		expect_in "$out" "map 0: 0x0-0x9fbff type 1" &&
		expect_in "$out" "map 2: 0x100000-0xfffffff type 1" &&
		expect_in "$out" "pvh: nr_modules=0"
}

test_pvh_format_forced() {
	need_kvm || return
	hv run --kernel "$G/pvh_guest.elf" --kernel-format pvh --debug-exit \
		-v --memory 64M --cmdline "check=forced ram_mib=64"
	expect_passed pvh 67 &&
		expect_in "$err" "pvh image at 0x100000" &&
		expect_in "$out" "map 2: 0x100000-0x3ffffff type 1"
}

test_pvh_initramfs() {
	need_kvm || return
	boot_mods
	hv run --kernel "$G/pvh_guest.elf" --debug-exit -v \
		--initramfs "$T_TMP/mod0" \
		--cmdline "check=mod ram_mib=256 mods=1 mod0=HYVEMOD0"
	expect_passed pvh 67 &&
		expect_in "$out" "pvh: nr_modules=1" &&
		expect_in "$out" "size ${#BOOT_MOD0} first=HYVEMOD0 (48 59 56 45) last=est END0" &&
		expect_in "$err" "module 0: $T_TMP/mod0 at 0x"
}

test_pvh_initramfs_decompressed_on_the_host() {
	need_kvm || return
	boot_mods
	hv run --kernel "$G/pvh_guest.elf" --debug-exit -v \
		--initramfs "$T_TMP/mod0.gz" \
		--cmdline "check=gz ram_mib=256 mods=1 mod0=HYVEMOD0"
	expect_passed pvh 67 &&
		expect_in "$out" "size ${#BOOT_MOD0} first=HYVEMOD0" &&
		expect_in "$err" "decompressed on the host"
}

test_pvh_initramfs_no_host_decompress() {
	need_kvm || return
	boot_mods
	hv run --kernel "$G/pvh_guest.elf" --debug-exit --no-host-decompress \
		--initramfs "$T_TMP/mod0.gz" --cmdline "check=raw mods=1"
	expect_passed pvh 67 &&
		expect_in "$out" "size $(stat -c %s "$T_TMP/mod0.gz") first=" &&
		expect_in "$out" "(1f 8b 08 00)"
}

test_pvh_above_4g_without_acpi() {
	need_kvm || return
	boot_mods
	hv run --kernel "$G/pvh_guest.elf" --debug-exit --memory 4G --acpi off \
		--initramfs "$T_TMP/mod1" \
		--cmdline "check=big ram_mib=4096 rsdp=0 mods=1 mod0=HYVEMOD1"
	expect_passed pvh 67 &&
		expect_in "$out" "rsdp=0x0" &&
		expect_in "$out" "0x100000-0xbfffffff type 1" &&
		expect_in "$out" "0x100000000-0x13fffffff type 1" &&
		expect_in "$out" "first=HYVEMOD1"
}

test_pvh_not_multiboot() {
	hv run --kernel "$G/pvh_guest.elf" --kernel-format multiboot
	expect_status 2 && expect_in "$err" "not a Multiboot kernel"
}

# Multiboot ------------------------------------------------------------

test_multiboot_elf32() {
	need_kvm || return
	boot_mods
	hv run --kernel "$G/mb_guest.elf" --debug-exit -v \
		--initramfs "$T_TMP/mod0.gz" --initramfs "$T_TMP/mod1" \
		--cmdline "check=mb ram_mib=256 mods=2 mod1=HYVEMOD1"
	expect_passed mb 69 &&
		expect_in "$err" "mb_guest.elf: multiboot image at 0x100000" &&
		expect_in "$out" "mb: header flags 0x3; entered with eax=0x2badb002" &&
		expect_in "$out" "mb: mem_lower=639 mem_upper=261120" &&
		expect_in "$out" "mb: mods_count=2" &&
		expect_in "$out" "module 0: string=[$T_TMP/mod0.gz]" &&
		expect_in "$out" "module 1: string=[$T_TMP/mod1]" &&
		expect_in "$out" "(1f 8b 08 00)" &&
		expect_in "$out" "size $(stat -c %s "$T_TMP/mod0.gz") first=" &&
		expect_in "$out" "size ${#BOOT_MOD1} first=HYVEMOD1" &&
		expect_in "$out" "last=one END1" &&
		expect_in "$out" "mb: boot_loader_name=[hyve]" &&
		expect_in "$out" "mb: check=mb" || return 1
	# Multiboot modules are never decompressed.
	expect_not_in "$err" "decompressed on the host"
}

test_multiboot_format_forced() {
	need_kvm || return
	hv run --kernel "$G/mb_guest.elf" --kernel-format multiboot \
		--debug-exit --memory 4G --cmdline "check=mb4g ram_mib=4096"
	expect_passed mb 69 &&
		expect_in "$out" "mb: mem_lower=639 mem_upper=3144704" &&
		expect_in "$out" "0x100000000-0x13fffffff type 1"
}

test_multiboot_aout_kludge_flat_binary() {
	need_kvm || return
	boot_mods
	hv run --kernel "$G/mb_aout.bin" --debug-exit -v \
		--initramfs "$T_TMP/mod0" \
		--cmdline "check=aout ram_mib=256 mods=1 mod0=HYVEMOD0"
	expect_passed mb 69 &&
		expect_in "$out" "mb: header flags 0x10003" &&
		expect_in "$err" "mb_aout.bin: multiboot image at 0x100000"
}

test_multiboot_aout_kludge_elf() {
	need_kvm || return
	hv run --kernel "$G/mb_aout.elf" --debug-exit \
		--cmdline "check=aoutelf ram_mib=256"
	expect_passed mb 69 && expect_in "$out" "mb: header flags 0x10003"
}

test_multiboot_not_pvh_nor_elf64() {
	hv run --kernel "$G/mb_guest.elf" --kernel-format pvh
	expect_status 2 &&
		expect_in "$err" "no XEN_ELFNOTE_PHYS32_ENTRY note" || return 1
	hv run --kernel "$G/mb_guest.elf" --kernel-format elf
	expect_status 2 && expect_in "$err" "32-bit ELF"
}

# The Linux boot protocol (bzImage) ------------------------------------

test_bzimage_boot_protocol() {
	need_kvm || return
	boot_mods
	hv run --kernel "$G/bz_guest.bzimage" --debug-exit -v \
		--initramfs "$T_TMP/mod0" \
		--cmdline "check=bz ram_mib=256 mods=1 mod0=HYVEMOD0"
	expect_passed bz 71 &&
		expect_in "$err" "booting the Linux boot protocol" &&
		expect_in "$err" "bzimage image at 0x100000..0x1400000, entry 0x100200" &&
		expect_in "$out" "bz: rsi=0x7000" &&
		expect_in "$out" "bz: cs=0x10 ds=0x18 es=0x18 ss=0x18" &&
		expect_in "$out" "HdrS=HdrS version=0x20f" &&
		expect_in "$out" "type_of_loader=0xff" &&
		expect_in "$out" "bz: check=bz" &&
		expect_in "$out" "bz: e820_entries=6" &&
		expect_in "$out" 'rsdp: "RSD PTR "' &&
		expect_in "$out" "size ${#BOOT_MOD0} first=HYVEMOD0"
}

test_bzimage_format_forced_and_big() {
	need_kvm || return
	boot_mods
	# The ramdisk stays below initrd_addr_max (128 MiB) with 4 GiB.
	hv run --kernel "$G/bz_guest.bzimage" --kernel-format bzimage \
		--debug-exit -v --memory 4G --initramfs "$T_TMP/mod0.gz" \
		--cmdline "check=bz4g ram_mib=4096 mods=1 mod0=HYVEMOD0"
	expect_passed bz 71 &&
		expect_in "$err" "--kernel-format bzimage asks for the boot protocol" &&
		expect_in "$out" "0x100000000-0x13fffffff type 1" &&
		expect_in "$out" "bz: ramdisk_image=0x7fff000"
}

test_bzimage_garbage_payload_falls_back() {
	need_kvm || return
	hv run --kernel "$G/bz_garbage.bzimage" --debug-exit -v \
		--cmdline "check=garbage ram_mib=256"
	expect_passed bz 71 &&
		expect_in "$err" "booting the Linux boot protocol, the payload's compression is unknown to hyve" &&
		expect_in "$out" "payload_length=0x1000"
}

test_bzimage_gzip_elf_without_pvh_note_falls_back() {
	need_kvm || return
	hv run --kernel "$G/bz_gzelf.bzimage" --debug-exit -v \
		--cmdline "check=gzelf ram_mib=256"
	expect_passed bz 71 &&
		expect_in "$err" "booting the Linux boot protocol, its vmlinux cannot be booted by PVH"
}

test_bzimage_corrupt_gzip_payload_refused() {
	hv run --kernel "$G/bz_badgz.bzimage" --debug-exit
	expect_status 2 && expect_in "$err" "bz_badgz.bzimage: gzip payload"
}

test_bzimage_pvh_payload() {
	need_kvm || return
	boot_mods
	hv run --kernel "$G/bz_pvh.bzimage" --debug-exit -v \
		--initramfs "$T_TMP/mod0.gz" \
		--cmdline "check=bzpvh ram_mib=256 mods=1 mod0=HYVEMOD0"
	expect_passed pvh 67 &&
		expect_in "$err" "decompressed on the host, booting by PVH, gzip payload" &&
		expect_in "$out" "pvh: check=bzpvh" &&
		expect_in "$out" "size ${#BOOT_MOD0} first=HYVEMOD0"
}

test_bzimage_pvh_payload_no_host_decompress() {
	need_kvm || return
	hv run --kernel "$G/bz_pvh.bzimage" --debug-exit -v --no-host-decompress \
		--cmdline "check=nohd ram_mib=256"
	expect_passed bz 71 &&
		expect_in "$err" "--no-host-decompress asks for the boot protocol"
}

test_bzimage_pvh_forced_without_a_payload() {
	hv run --kernel "$G/bz_garbage.bzimage" --kernel-format pvh
	expect_status 2 && expect_in "$err" "cannot boot by PVH"
}

test_bzimage_cmdline_size() {
	local long
	long="check=long $(printf 'x%.0s' $(seq 300))"
	hv run --kernel "$G/bz_guest.bzimage" --cmdline "$long"
	expect_status 2 && expect_in "$err" "this kernel takes at most 255"
}

# A command line that fits only without hyve's host parameters says so.
test_bzimage_cmdline_size_with_quirks() {
	local line
	line="check=long $(printf 'x%.0s' $(seq 240))"
	hv run --kernel "$G/bz_guest.bzimage" --cmdline "$line" --no-host-quirks
	expect_not_in "$err" "takes at most" || return
	"$HYVE" --probe | grep -q "kernel parameters added" ||
		{ skip "this host needs no kernel parameters"; return; }
	hv run --kernel "$G/bz_guest.bzimage" --cmdline "$line"
	expect_status 2 &&
		expect_in "$err" "--cmdline is 251 bytes, " &&
		expect_in "$err" "with the parameters hyve adds for this host (noxsave" &&
		expect_in "$err" "this kernel takes at most 255 (--no-host-quirks leaves them out)"
}
