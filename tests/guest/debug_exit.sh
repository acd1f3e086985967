# debug_exit.sh: the debug-exit device: every width ends hyve, and it moves
# with iobase/iosize as QEMU's isa-debug-exit does.
# Sourced by tests/guest/run; each test_* function is one test.

# dbg WIDTH VALUE PORT [hyve options]: the guest writes VALUE to PORT.
dbg() {
	local w=$1 v=$2 port=$3
	shift 3
	hv run --kernel "$G/debug_exit_width.elf" \
		--cmdline "w=$w v=$v port=$port" "$@"
}

test_debug_exit_every_width_default_port() {
	need_kvm || return
	local w
	for w in 1 2 4; do
		dbg "$w" 0x2a 0x501 --debug-exit
		expect_status 85 && expect_not_in "$out" "still running" ||
			{ fail "out of $w bytes"; return 1; }
	done
}

# With the default two ports an outl gives the device its low 16 bits.
test_debug_exit_outl_on_two_ports() {
	need_kvm || return
	dbg 4 0x10003 0x501 --debug-exit
	expect_status 7
}

# Test suites written for QEMU use iobase=0xf4,iosize=4.
test_debug_exit_iobase_iosize() {
	need_kvm || return
	local w
	for w in 1 2 4; do
		dbg "$w" 0x7 0xf4 --debug-exit iobase=0xf4,iosize=4
		expect_status 15 || { fail "out of $w bytes to 0xf4"; return 1; }
	done
	# The old port is free now: the write is absorbed, the guest powers off.
	dbg 1 0x7 0x501 --debug-exit=iobase=0xf4,iosize=4
	expect_status 0 && expect_in "$out" "still running"
}

test_debug_exit_iosize1_ignores_next_port() {
	need_kvm || return
	dbg 1 0x3 0x502 --debug-exit iosize=1
	expect_status 0 && expect_in "$out" "still running"
}
