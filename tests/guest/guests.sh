# guests.sh: the demo and the test guests under hyve: output, status, boot state.
# Sourced by tests/guest/run; each test_* function is one test.

test_demo_no_arguments() {
	need_kvm || return
	hv
	expect_status 0 &&
		expect_in "$out" "booting the built-in demo guest" &&
		expect_in "$out" "Hello from inside a hyve virtual machine" &&
		expect_in "$out" "memory       256 MiB in 1 range" &&
		expect_in "$out" "vcpus        1" &&
		expect_in "$out" "The demo is done; powering off." &&
		expect_lines "$err" 0
}

test_demo_machine_options() {
	need_kvm || return
	hv run --cpus 3 --memory 4G --cmdline "console=ttyS0 x=1"
	expect_status 0 &&
		expect_in "$out" "memory       4096 MiB in 2 ranges" &&
		expect_in "$out" "0x0100000000-0x013fffffff" &&
		expect_in "$out" "vcpus        3" &&
		expect_in "$out" 'cmdline      "console=ttyS0 x=1"'
}

test_hello_elf() {
	need_kvm || return
	hv run --kernel "$G/hello.elf" --debug-exit
	# The guest returns 0x10: (0x10 << 1) | 1 = 33.
	expect_status 33 &&
		expect_in "$out" "hello from a hyve guest: -42 42 beef ok" &&
		expect_lines "$out" 1
}

test_hello_raw_autodetected() {
	need_kvm || return
	hv run --kernel "$G/hello.bin" --debug-exit
	expect_status 33 &&
		expect_in "$out" "hello from a hyve guest: -42 42 beef ok"
}

test_hello_raw_forced() {
	need_kvm || return
	hv run --kernel "$G/hello.bin" --kernel-format raw --debug-exit -v
	expect_status 33 && expect_in "$err" "raw image at 0x100000"
}

test_elf_format_forced_on_raw_file() {
	hv run --kernel "$G/hello.bin" --kernel-format elf --debug-exit
	expect_status 2 && expect_in "$err" "hello.bin: not an ELF file" &&
		expect_lines "$err" 1
}

test_without_debug_exit_the_port_is_absorbed() {
	need_kvm || return
	# The guest's write to 0x501 is dropped; it then powers off: status 0.
	hv run --kernel "$G/hello.elf"
	expect_status 0 && expect_in "$out" "hello from a hyve guest"
}

test_boot_info() {
	need_kvm || return
	hv run --kernel "$G/bootinfo.elf" --debug-exit --memory 64M --cpus 2 \
		--cmdline "root=/dev/vda quiet"
	expect_status 65 &&
		expect_in "$out" "version=1 cpus=2 ram=67108864 ranges=1" &&
		expect_in "$out" "range 0: base=0x0 size=0x4000000" &&
		expect_in "$out" "cmdline=[root=/dev/vda quiet] len=19" &&
		expect_in "$out" "top byte=0x5a"
}

test_boot_info_above_the_hole() {
	need_kvm || return
	# 3 GiB below the MMIO hole and 1 GiB above 4 GiB; the guest writes
	# the last byte of RAM, at 0x13fffffff, through the identity map.
	hv run --kernel "$G/bootinfo.elf" --debug-exit --memory 4G
	expect_status 65 &&
		expect_in "$out" "range 0: base=0x0 size=0xc0000000" &&
		expect_in "$out" "range 1: base=0x100000000 size=0x40000000" &&
		expect_in "$out" "top byte=0x5a"
}

test_mmio_and_ports_unclaimed() {
	need_kvm || return
	hv run --kernel "$G/mmio_unclaimed.elf" --debug-exit
	expect_status 67 &&
		expect_in "$out" "mmio32=0xffffffff mmio8=0xff mmio64=0xffffffffffffffff port=0xff portw=0xffff" &&
		expect_not_in "$err" "unclaimed"
}

test_unclaimed_logged_once_with_verbose() {
	need_kvm || return
	hv run --kernel "$G/mmio_unclaimed.elf" --debug-exit --verbose
	expect_status 67 &&
		expect_in "$err" "unclaimed MMIO write at 0xf0000000 absorbed" &&
		expect_in "$err" "unclaimed port read at 0x2f8 absorbed" &&
		expect_not_in "$err" "0x80 " || return 1
	# The guest reads 0xf0000000 after writing it; write and read are
	# one address, so it is logged once.
	[ "$(grep -c 'at 0xf0000000 ' "$err")" -eq 1 ] ||
		fail "0xf0000000 logged more than once"
}

test_string_io() {
	need_kvm || return
	hv run --kernel "$G/string_io.elf" --debug-exit
	expect_status 161 &&
		expect_in "$out" "string-io: sent with rep outsb" &&
		expect_in "$out" "string-io: rep insb read all ones"
}

test_stats_table() {
	need_kvm || return
	hv run --kernel "$G/hello.elf" --debug-exit --stats
	expect_status 33 && expect_in "$err" "exit reason" &&
		expect_in "$err" "mean ns" || return 1
	# hello prints 39 characters; each is an LSR poll and a THR write.
	local n
	n=$(awk '$1 == "KVM_EXIT_IO" {print $2}' "$err")
	[ -n "$n" ] && [ "$n" -ge 78 ] || fail "KVM_EXIT_IO count '$n' < 78"
}

# The demo powers off with one write to PM1a_CNT: one more port exit.
test_stats_count_poweroff() {
	need_kvm || return
	hv run --stats -v
	expect_status 0 && expect_in "$err" "stopped: the guest powered off (ACPI S5)" || return 1
	[ "$(awk '$1 == "KVM_EXIT_IO" {print $2}' "$err")" -gt 0 ] ||
		fail "expected port exits in the stats"
}
