# input.sh: bad user input: one line, status 2, nothing left behind.
# Sourced by tests/guest/run; each test_* function is one test.

# bad_input EXPECTED-TEXT ARGS...: status 2 and one stderr line with the text.
bad_input() {
	local text=$1
	shift
	hv "$@"
	expect_status 2 && expect_lines "$err" 1 && expect_in "$err" "$text" &&
		expect_lines "$out" 0
}

test_bad_memory_zero() { bad_input "--memory: the size must not be zero" run --memory 0; }
test_bad_memory_garbage() { bad_input "--memory: '12Q' is not a size" run --memory 12Q; }
test_bad_memory_huge() { bad_input "outside hyve's range" run --memory 100T; }
test_bad_memory_odd() { bad_input "not a multiple of 4 KiB" run --memory 1001K; }
test_bad_cpus_zero() { bad_input "--cpus: '0' is not a vCPU count" run --cpus 0; }
test_bad_unknown_flag() { bad_input "unknown option '--frobnicate'" run --frobnicate; }
test_bad_unknown_command() { bad_input "unknown command 'fly'" fly; }
test_bad_missing_value() { bad_input "--kernel needs a value" run --kernel; }
test_bad_serial() { bad_input "--serial: 'tcp:1' is not stdio" run --serial tcp:1; }
test_bad_format() { bad_input "--kernel-format: 'coff' is not one of auto, bzimage, pvh, multiboot, elf, raw" run --kernel-format coff; }
test_bad_cmdline_too_long() { bad_input "--cmdline is 5000 bytes; hyve takes at most 4095" run --cmdline "$(printf 'a%.0s' $(seq 5000))"; }
test_format_conflict() { bad_input "built-in demo: not a Linux bzImage (no \"HdrS\" header)" run --kernel-format bzimage; }

test_bad_memory_above_host() {
	local host_kib
	host_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
	# Just over the host's RAM, if that is still inside hyve's own range.
	[ "$host_kib" -lt $((63 * 1024 * 1024)) ] ||
		{ skip "host has 63 GiB or more of RAM"; return; }
	bad_input "more than this host's" run --memory "$((host_kib + 4096))K"
}

test_bad_kernel_missing() {
	bad_input "/nonexistent/vmlinux: No such file or directory" \
		run --kernel /nonexistent/vmlinux
}

test_bad_kernel_directory() {
	bad_input "$T_TMP: is a directory" run --kernel "$T_TMP"
}

test_bad_kernel_empty() {
	: >"$T_TMP/empty"
	bad_input "empty: the file is empty" run --kernel "$T_TMP/empty"
}

test_bad_kernel_fifo() {
	mkfifo "$T_TMP/fifo.img"
	# Refused at once, not waited on for a writer.
	bad_input "fifo.img: not a regular file" run --kernel "$T_TMP/fifo.img"
}

test_bad_kernel_truncated_elf() {
	head -c 40 "$G/hello.elf" >"$T_TMP/short.elf"
	bad_input "short.elf: truncated ELF" run --kernel "$T_TMP/short.elf"
}

test_bad_kernel_wrong_machine() {
	cp "$G/hello.elf" "$T_TMP/arm.elf"
	# e_machine (offset 18) = 183, AArch64.
	printf '\xb7\x00' | dd of="$T_TMP/arm.elf" bs=1 seek=18 conv=notrunc status=none
	bad_input "arm.elf: ELF machine type is 183, not x86-64" \
		run --kernel "$T_TMP/arm.elf"
}

test_bad_kernel_segment_outside_ram() {
	need_kvm || return
	cp "$G/hello.elf" "$T_TMP/far.elf"
	# The first program header's p_paddr (offset 64 + 24) = 0x40000000,
	# and e_entry (offset 24) with it.
	printf '\x00\x00\x00\x40' | dd of="$T_TMP/far.elf" bs=1 seek=88 conv=notrunc status=none
	printf '\x00\x00\x00\x40' | dd of="$T_TMP/far.elf" bs=1 seek=24 conv=notrunc status=none
	bad_input "far.elf: ELF segment 0 at 0x40000000" \
		run --kernel "$T_TMP/far.elf" --memory 64M
}

# /dev/kvm missing or unusable, seen through a private mount namespace.
test_kvm_missing() {
	in_ns "mount -t tmpfs none /dev && exec '$PWD/$HYVE'" || return
	expect_status 2 && expect_lines "$err" 1 &&
		expect_in "$err" "/dev/kvm: No such file or directory"
}

# hyve checks its image before it opens /dev/kvm, so a bad image is named
# even on a host without KVM.
test_image_checked_before_kvm() {
	cp "$G/hello.elf" "$T_TMP/arm.elf"
	printf '\xb7\x00' | dd of="$T_TMP/arm.elf" bs=1 seek=18 conv=notrunc status=none
	in_ns "mount -t tmpfs none /dev && exec '$PWD/$HYVE' run --kernel '$T_TMP/arm.elf'" || return
	expect_status 2 && expect_lines "$err" 1 &&
		expect_in "$err" "arm.elf: ELF machine type is 183" || return 1
	in_ns "mount -t tmpfs none /dev && exec '$PWD/$HYVE' run --kernel /nonexistent/k" || return
	expect_status 2 && expect_lines "$err" 1 &&
		expect_in "$err" "/nonexistent/k: No such file or directory"
}

test_kvm_not_kvm() {
	in_ns "mount --bind /dev/null /dev/kvm && exec '$PWD/$HYVE'" || return
	expect_status 2 && expect_lines "$err" 1 &&
		expect_in "$err" "/dev/kvm: not a KVM device"
}
