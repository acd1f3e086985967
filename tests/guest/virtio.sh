# virtio.sh: hyve's virtio devices driven by its own driver guest,
# guests/virtio_drv.c (a PVH kernel; its driver is guests/rt/virtio.[ch]):
# entropy from virtio-rng, and malformed rings end to end (test=hostile):
# for each case the guest checks DEVICE_NEEDS_RESET, the configuration
# interrupt, a reset and normal use afterwards; here the host checks that
# hyve ran on, ended as the guest asked, and logged one line per broken
# queue.  The guest exits 0x31 (status 99 with --debug-exit) when all its
# checks passed, 0x7e (253) when one failed.
# Sourced by tests/guest/run; each test_* function is one test.

VDRV_OK=99
VDRV_FAILED=253

# vdrv ARGS... -- CMDLINE: run the driver guest under hyve.
vdrv() {
	local args=()
	while [ "$1" != "--" ]; do
		args+=("$1")
		shift
	done
	shift
	hv run --kernel "$G/virtio_drv.elf" --debug-exit "${args[@]}" \
		--cmdline "$*"
}

expect_vdrv_passed() {
	expect_status $VDRV_OK &&
		expect_in "$out" "virtio_drv: all checks passed" &&
		expect_not_in "$out" "FAIL"
}

# expect_count FILE N FIXED-STRING: the string is on exactly N lines.
expect_count() {
	local n
	n=$(grep -cF -- "$3" "$1")
	[ "$n" -eq "$2" ] && return 0
	fail "$(basename "$1") has $n lines with '$3', expected $2"
	show
	return 1
}

test_virtio_drv_rng() {
	need_kvm || return
	vdrv --rng -- test=rng
	expect_vdrv_passed &&
		expect_in "$out" "TSC " &&
		expect_in "$out" "rng: device 01.0, 1 queue(s)" &&
		expect_in "$out" "rng: CPL 0: 16 requests, 1024 bytes" &&
		expect_in "$out" "rng: CPL 3: 1000 requests, 64000 bytes" &&
		expect_lines "$err" 0
}

# The device's BAR above 4 GiB RAM: the guest maps the 64-bit window.
test_virtio_drv_rng_ram_above_4g() {
	need_kvm || return
	vdrv --rng --memory 5G -- test=rng
	expect_vdrv_passed &&
		expect_in "$out" "RAM ends at 0x180000000"
}

test_virtio_drv_without_the_device_fails() {
	need_kvm || return
	vdrv -- test=rng
	expect_status $VDRV_FAILED &&
		expect_in "$out" "FAIL: rng: no virtio-rng device"
}

test_virtio_drv_unknown_test_fails() {
	need_kvm || return
	vdrv --rng -- test=nonsense
	expect_status $VDRV_FAILED &&
		expect_in "$out" "FAIL: unknown test=nonsense"
}

# Each case: the reason hyve logs (src/virtio/virtq.c), or "-" for the
# cases that break no ring rule (the device completes them with 0 bytes)
# and for ring areas refused at DRIVER_OK (no log line).
VDRV_CASES="
addr_past_ram buffer not RAM
addr_mmio_hole buffer not RAM
addr_straddles_ram_end buffer not RAM
addr_wraps buffer not RAM
next_loop chain too long or loop
next_self chain too long or loop
next_out_of_range next out of range
zero_length_chain -
avail_idx_ahead avail idx too far ahead
head_out_of_range head out of range
head_ffff head out of range
indirect_len_odd indirect table length
indirect_len_zero indirect table length
indirect_outside_ram indirect table not RAM
indirect_nested nested indirect
indirect_with_next indirect with next
indirect_loop chain too long or loop
indirect_next_out_of_range next out of range
indirect_too_long indirect table length
indirect_not_negotiated indirect not negotiated
readable_after_writable readable after writable
wrong_direction -
ring_desc_outside_ram -
ring_used_straddles_ram_end -
ring_desc_misaligned -"

# blk_sector N: the 512 bytes the guest writes to sector N (test=blk):
# "HYVE", N as 32-bit little-endian, then bytes (N * 7 + i) & 0xff.
blk_sector() {
	local n=$1 i esc
	esc=$(printf '\\x%02x' 72 89 86 69 $((n & 255)) $((n >> 8 & 255)) \
		$((n >> 16 & 255)) $((n >> 24 & 255)))
	for ((i = 8; i < 512; i++)); do
		esc+=$(printf '\\x%02x' $(((n * 7 + i) & 255)))
	done
	printf '%b' "$esc"
}

# Sectors 8-23 written, read back and compared by the guest; then the
# host compares the image with what the guest says it wrote, and checks
# that the sectors around them are still zero.
test_virtio_drv_blk_sectors() {
	need_kvm || return
	local s
	truncate -s 1M "$T_TMP/disk.img"
	vdrv --disk "path=$T_TMP/disk.img" -- test=blk sector=8 count=16
	expect_vdrv_passed &&
		expect_in "$out" "blk: device 01.0, 2048 sectors" &&
		expect_in "$out" "blk: wrote and read back sectors 8-23" &&
		expect_lines "$err" 0 || return
	for ((s = 8; s < 24; s++)); do
		blk_sector $s
	done >"$T_TMP/want"
	head -c $((16 * 512)) /dev/zero >"$T_TMP/zero"
	cmp "$T_TMP/want" <(tail -c +$((8 * 512 + 1)) "$T_TMP/disk.img" |
		head -c $((16 * 512))) ||
		{ fail "sectors 8-23 of the image are not what the guest wrote"; return 1; }
	cmp <(head -c $((8 * 512)) "$T_TMP/zero") \
		<(head -c $((8 * 512)) "$T_TMP/disk.img") &&
		cmp <(head -c $((16 * 512)) "$T_TMP/zero") \
			<(tail -c +$((24 * 512 + 1)) "$T_TMP/disk.img" | head -c $((16 * 512))) ||
		{ fail "sectors outside 8-23 changed"; return 1; }
	[ "$(od -A n -t x1 -j 4096 -N 8 "$T_TMP/disk.img")" = " 48 59 56 45 08 00 00 00" ] ||
		{ fail "sector 8 does not start HYVE 8"; return 1; }
}

# expect_hostile DEV: every case of VDRV_CASES ran against virtio-DEV
# as expected, and hyve logged one line per broken queue, whatever the
# guest did after (each case notifies the broken queue 64 times more).
expect_hostile() {
	local dev=$1 name why logged=0 n=0
	expect_vdrv_passed &&
		expect_in "$out" "hostile: $dev: 25 cases" || return
	while read -r name why; do
		[ -n "$name" ] || continue
		n=$((n + 1))
		if [ "$why" = "-" ]; then
			expect_in "$out" "hostile: $dev: $name: " || return
		else
			logged=$((logged + 1))
			expect_in "$out" "hostile: $dev: $name: needs_reset + config irq, ok" ||
				return
		fi
	done <<<"$VDRV_CASES"
	[ "$n" -eq 25 ] || { fail "the case list has $n cases"; return 1; }
	expect_count "$err" "$logged" "malformed ring" &&
		expect_lines "$err" "$logged" &&
		expect_count "$err" 4 "(buffer not RAM)" &&
		expect_count "$err" 3 "(chain too long or loop)" &&
		expect_count "$err" 2 "(next out of range)" &&
		expect_count "$err" 2 "(head out of range)" &&
		expect_count "$err" 3 "(indirect table length)" &&
		expect_count "$err" 1 "(avail idx too far ahead)" &&
		expect_count "$err" 1 "(indirect table not RAM)" &&
		expect_count "$err" 1 "(nested indirect)" &&
		expect_count "$err" 1 "(indirect with next)" &&
		expect_count "$err" 1 "(indirect not negotiated)" &&
		expect_count "$err" 1 "(readable after writable)" &&
		expect_in "$out" "hostile: $dev: ring_desc_misaligned: needs_reset + config irq, ok"
}

test_virtio_drv_hostile_rng() {
	need_kvm || return
	vdrv --rng -- test=hostile dev=rng
	# virtio-rng completes a zero-length buffer and a device-readable one
	# with nothing written (5.4.6.2; src/virtio/rng.c).
	expect_hostile rng &&
		expect_in "$out" "hostile: rng: zero_length_chain: completed, ok" &&
		expect_in "$out" "hostile: rng: wrong_direction: completed, ok"
}

test_virtio_drv_hostile_net() {
	need_kvm || return
	vdrv --net user -- test=hostile dev=net
	# virtio-net drops a frame shorter than its header, or with a
	# device-writable buffer, and returns the chain (src/virtio/net.h).
	expect_hostile net &&
		expect_in "$out" "virtio-net at 01.0" &&
		expect_in "$out" "hostile: net: zero_length_chain: completed, ok" &&
		expect_in "$out" "hostile: net: wrong_direction: completed, ok"
}

test_virtio_drv_hostile_blk() {
	need_kvm || return
	truncate -s 1M "$T_TMP/disk.img"
	vdrv --disk "path=$T_TMP/disk.img" -- test=hostile dev=blk
	# virtio-blk cannot complete a request without a device-writable
	# byte for its status: DEVICE_NEEDS_RESET (src/virtio/blk.h).
	expect_hostile blk &&
		expect_in "$out" "virtio-blk at 01.0" &&
		expect_in "$out" "hostile: blk: zero_length_chain: needs_reset + config irq, ok" &&
		expect_in "$out" "hostile: blk: wrong_direction: needs_reset + config irq, ok"
}

# Some of them against RAM split around the hole, with MSI-X off: the
# configuration change shows in the ISR (INTx).
test_virtio_drv_hostile_rng_some_cases_4g() {
	need_kvm || return
	vdrv --rng --memory 4G -- test=hostile dev=rng \
		msix=0 cases=addr_past_ram,next_loop,ring_used_straddles_ram_end
	expect_vdrv_passed &&
		expect_in "$out" "hostile: rng: 3 cases" &&
		expect_in "$out" "MSI-X off" &&
		expect_in "$out" "hostile: rng: addr_past_ram: needs_reset + isr config bit, ok" &&
		expect_in "$out" "hostile: rng: ring_used_straddles_ram_end: needs_reset + isr config bit, ok" &&
		expect_lines "$err" 2
}
