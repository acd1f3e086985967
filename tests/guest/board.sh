# board.sh: hyve's PC board seen from inside a guest: interrupts through
# the IOAPIC (PIT, COM1, RTC) and the LAPIC timers of every vCPU, the CMOS
# RTC, the ACPI tables, PM timer, power button and S5, fw_cfg, resets, and
# the absent COM2-4.  Each guest prints what it checks and ends through
# debug-exit: 85 ((0x2a << 1) | 1) is a pass, 87 a failed check.
# Sourced by tests/guest/run; each test_* function is one test.

BOARD_PASS=85

# --- interrupts --------------------------------------------------------

# The PIT's IRQ 0 is GSI 2 (the MADT's Interrupt Source Override), so it
# must reach IOAPIC pin 2 with both PICs masked.
test_board_pit_ioapic() {
	need_kvm || return
	hv run --kernel "$G/pit_ioapic.elf" --debug-exit
	expect_in "$out" "pit_ioapic: PIC masked: imr 0xff 0xff" &&
		expect_in "$out" "pit_ioapic: 10 ticks on IOAPIC pin 2" &&
		expect_in "$out" "pit_ioapic: 0 ticks on IOAPIC pin 0" &&
		expect_in "$out" "pit_ioapic: ok" &&
		expect_status $BOARD_PASS
}

# lapic_smp N: every one of N vCPUs runs its own LAPIC timer.
lapic_smp() {
	local n=$1 i
	need_kvm || return
	hv run --kernel "$G/lapic_timer_smp.elf" --debug-exit --cpus "$n"
	expect_status $BOARD_PASS &&
		expect_in "$out" "lapic: $n cpus, bsp apic id 0" &&
		expect_in "$out" "lapic: all $n cpus ticked" &&
		expect_not_in "$out" "wrong cpu" || return 1
	for ((i = 0; i < n; i++)); do
		expect_in "$out" "lapic: cpu $i: 5 ticks" || return 1
		[ "$i" -eq 0 ] || expect_in "$out" "lapic: cpu $i: up" || return 1
	done
	[ "$(grep -c ': 5 ticks$' "$out")" -eq "$n" ] ||
		{ fail "not exactly $n cpus reported"; show; return 1; }
}

test_board_lapic_timer_1_cpu() { lapic_smp 1; }
test_board_lapic_timer_2_cpus() { lapic_smp 2; }
test_board_lapic_timer_4_cpus() { lapic_smp 4; }

# COM1 raises IRQ 4 (GSI 4) for received data: a line typed once the guest
# waits in hlt.
test_board_serial_irq_line() {
	need_kvm || return
	local line="interrupt-driven input: the quick brown fox 0123456789"
	mkfifo "$T_TMP/in"
	exec 3<>"$T_TMP/in"
	HV_STDIN=$T_TMP/in hv_bg run --kernel "$G/serial_irq.elf" --debug-exit
	wait_for "$out" "serial_irq: ready" || { kill -9 "$pid"; return 1; }
	printf '%s\n' "$line" >&3
	wait_gone "$pid" 40 || return 1
	hv_wait
	exec 3>&-
	expect_in "$out" "serial_irq: [$line]" &&
		expect_in "$out" "interrupts, iir 0x4" &&
		expect_in "$out" "serial_irq: ok" &&
		expect_status $BOARD_PASS
}

# Input already waiting when the guest enables IER.ERBFI: the 16550
# raises its interrupt as soon as it is enabled.
test_board_serial_irq_input_before_enable() {
	need_kvm || return
	hv_in $'typed ahead\n' run --kernel "$G/serial_irq.elf" --debug-exit
	expect_in "$out" "serial_irq: [typed ahead]" &&
		expect_in "$out" "serial_irq: ok" &&
		expect_status $BOARD_PASS
}

# A stream of 3000 bytes taken one byte per interrupt: host input must keep
# coming however the guest's accesses interleave with it.
test_board_serial_irq_stream() {
	need_kvm || return
	local sum
	head -c 3000 /dev/urandom >"$T_TMP/in.bin"
	sum=$(od -An -tu1 -v "$T_TMP/in.bin" |
		awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s }')
	HV_STDIN=$T_TMP/in.bin hv_bg run --kernel "$G/serial_irq.elf" \
		--debug-exit --cmdline n=3000
	wait_gone "$pid" 40 || return 1
	hv_wait
	expect_in "$out" "serial_irq: 3000 of 3000 bytes, sum $sum," &&
		expect_status $BOARD_PASS
}

# --- CMOS RTC ----------------------------------------------------------

test_board_rtc() {
	need_kvm || return
	local stamp guest now today yesterday
	hv run --kernel "$G/rtc.elf" --debug-exit
	now=$(date -u +%s)
	today=$(date -u +%F)
	yesterday=$(date -u -d @$((now - 86400)) +%F)
	expect_status $BOARD_PASS &&
		expect_in "$out" "rtc: century 0x$(date -u +%C), registers A 0x26 B 0x2 D 0x80" &&
		expect_in "$out" "rtc: register D: VRT set" &&
		expect_in "$out" "rtc: cmos[0x40] wrote 0xa5 read 0xa5, wrote 0x5a read 0x5a" &&
		expect_in "$out" "rtc: binary mode agrees" &&
		expect_in "$out" "rtc: 12-hour mode agrees" || return 1
	stamp=$(sed -n 's/^rtc: \([0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9:]\{8\}\)$/\1/p' "$out")
	[ -n "$stamp" ] || { fail "no 'rtc: YYYY-MM-DD HH:MM:SS' line"; show; return 1; }
	case ${stamp% *} in
	"$today" | "$yesterday") ;;
	*) fail "the guest's date ${stamp% *} is neither $today nor $yesterday"; return 1 ;;
	esac
	guest=$(date -u -d "$stamp" +%s) || { fail "bad time '$stamp'"; return 1; }
	[ $((now - guest)) -le 60 ] && [ $((guest - now)) -le 60 ] ||
		{ fail "the guest's time $stamp is $((now - guest)) s from the host's"; return 1; }
}

# IRQ 8: periodic (PIE, 1024 Hz) and update-ended (UIE) interrupts reach
# IOAPIC pin 8 while the guest waits in hlt.
test_board_rtc_irq() {
	need_kvm || return
	hv run --kernel "$G/rtc.elf" --debug-exit --cmdline irq=1
	expect_in "$out" "rtc: 20 periodic interrupts (PF) on IOAPIC pin 8" &&
		expect_in "$out" "rtc: 1 update-ended interrupt (UF)" &&
		expect_status $BOARD_PASS
}

# --- ACPI --------------------------------------------------------------

# acpi_check N: the tables for N vCPUs, then the guest's S5.
acpi_check() {
	local n=$1
	expect_status 0 &&
		expect_in "$out" "acpi: RSDP at 0xe0000, revision 2" &&
		expect_in "$out" "acpi: RSDP checksum ok, extended checksum ok" &&
		expect_in "$out" "acpi: FADT: SCI_INT 9 PM1a_EVT_BLK 0x600 PM1a_CNT_BLK 0x604 PM_TMR_BLK 0x608" &&
		expect_in "$out" "acpi: FADT: PM1_EVT_LEN 4 PM1_CNT_LEN 2 PM_TMR_LEN 4 CENTURY 0x32" &&
		expect_in "$out" "acpi: FADT: RESET_REG space 1 width 8 address 0xcf9 value 0x6 (RESET_REG_SUP 1)" &&
		expect_in "$out" "acpi: FACS at" &&
		expect_in "$out" "acpi: MADT: local APIC address 0xfee00000" &&
		expect_in "$out" "at 0xfec00000 gsi base 0" &&
		expect_in "$out" "acpi: MADT: override bus 0 irq 0 -> gsi 2" &&
		expect_in "$out" "acpi: MADT: $n local APICs, 1 I/O APIC" &&
		expect_in "$out" "acpi: DSDT: \\_S5 SLP_TYPa 5" &&
		expect_in "$out" "acpi: entering S5: 0x3400 to PM1a_CNT_BLK 0x604" &&
		expect_not_in "$out" "BAD" &&
		expect_not_in "$out" "FAILED" &&
		expect_not_in "$out" "still running" &&
		expect_in "$err" "stopped: the guest powered off (ACPI S5)"
}

test_board_acpi_tables_1_cpu() {
	need_kvm || return
	hv run --kernel "$G/acpi_tables.elf" --debug-exit -v
	acpi_check 1
}

test_board_acpi_tables_3_cpus() {
	need_kvm || return
	hv run --kernel "$G/acpi_tables.elf" --debug-exit -v --cpus 3
	acpi_check 3
}

test_board_acpi_tables_without_debug_exit() {
	need_kvm || return
	hv run --kernel "$G/acpi_tables.elf" -v --cpus 2
	acpi_check 2
}

test_board_acpi_off() {
	need_kvm || return
	hv run --kernel "$G/acpi_tables.elf" --debug-exit --acpi off
	expect_in "$out" "acpi: no RSDP in 0xe0000-0xfffff" &&
		expect_lines "$out" 1 &&
		expect_status 89
}

# --- MP table ----------------------------------------------------------

# mptable_check N: the guest found the MP table by the spec's search (the
# EBDA first) and it describes N vCPUs; with or without ACPI.
mptable_check() {
	local n=$1
	expect_status $BOARD_PASS &&
		expect_in "$out" "mptable: BDA: EBDA at 0x9fc00, 639 KiB of base memory" &&
		expect_in "$out" "mptable: floating pointer at 0x9fc00, revision 1.4, feature bytes 0x0 0x0, table at 0xf0000" &&
		expect_in "$out" "checksum ok, local APIC at 0xfee00000" &&
		expect_in "$out" "mptable: bootstrap processor APIC ID 0" &&
		expect_in "$out" "mptable: I/O APIC id $n at 0xfec00000" &&
		expect_in "$out" "mptable: $n processors, 1 I/O APIC, ISA IRQ 0 on INTIN2, IRQ 2 unconnected, LINT0 ExtINT, LINT1 NMI" &&
		expect_not_in "$out" "FAILED"
}

test_board_mptable_1_cpu() {
	need_kvm || return
	hv run --kernel "$G/mptable.elf" --debug-exit
	mptable_check 1
}

test_board_mptable_4_cpus_no_acpi() {
	need_kvm || return
	hv run --kernel "$G/mptable.elf" --debug-exit --cpus 4 --acpi off
	mptable_check 4
}

# The PM timer counts, monotonically, at 3.579545 MHz against the PIT
# (both count host time, so the ratio holds on any host).
test_board_pm_timer() {
	need_kvm || return
	hv run --kernel "$G/pm_timer.elf" --debug-exit
	expect_in "$out" "pm_timer: monotonic over 2000 reads" &&
		expect_not_in "$out" "rate WRONG" &&
		{ grep -qE "pm_timer: rate (ok|inconclusive)" "$out" ||
			{ fail "no rate line"; show; return 1; }; } &&
		expect_status $BOARD_PASS
}

# --- power button ------------------------------------------------------

# power_press SIG NAME: one signal presses the button; the guest sees it
# (by polling and by the SCI) and powers off: status 0.
power_press() {
	local sig=$1 name=$2
	need_kvm || return
	hv_bg run --kernel "$G/power_button.elf" --debug-exit -v
	wait_for "$out" "power_button: waiting" || { kill -9 "$pid"; return 1; }
	kill "-$sig" "$pid"
	wait_gone "$pid" 10 || return 1
	hv_wait
	expect_in "$out" "power_button: PM1_EN 0x100" &&
		expect_in "$out" "power_button: pressed" &&
		expect_in "$out" "power_button: SCI delivered" &&
		expect_not_in "$out" "gave up" &&
		expect_in "$err" "$name: pressed the ACPI power button" &&
		expect_in "$err" "stopped: the guest powered off (ACPI S5)" &&
		expect_status 0
}

test_board_power_button_sigterm() { power_press TERM SIGTERM; }
test_board_power_button_sigint() { power_press INT SIGINT; }

# A guest that never enabled PWRBTN_EN is stopped by the first signal.
test_board_power_button_not_enabled() {
	need_kvm || return
	hv_bg run --kernel "$G/idle.elf" -v
	wait_for "$out" "idle: ready" || { kill -9 "$pid"; return 1; }
	kill -TERM "$pid"
	wait_gone "$pid" 5 || return 1
	hv_wait
	expect_not_in "$err" "pressed the ACPI power button" &&
		expect_in "$err" "stopped: SIGTERM" &&
		expect_status 143
}

# A guest that listens to the button but ignores it: the first signal
# presses the button, the second stops hyve.
test_board_power_button_ignored() {
	need_kvm || return
	hv_bg run --kernel "$G/power_button.elf" --debug-exit -v --cmdline ignore=1
	wait_for "$out" "power_button: waiting" || { kill -9 "$pid"; return 1; }
	kill -TERM "$pid"
	wait_for "$out" "power_button: pressed, ignoring it" || { kill -9 "$pid"; return 1; }
	kill -0 "$pid" 2>/dev/null || { fail "hyve ended at the first signal"; hv_wait; show; return 1; }
	kill -TERM "$pid"
	wait_gone "$pid" 5 || return 1
	hv_wait
	expect_in "$err" "SIGTERM: pressed the ACPI power button" &&
		expect_in "$err" "stopped: SIGTERM" &&
		expect_not_in "$err" "powered off" &&
		expect_status 143
}

# --- fw_cfg ------------------------------------------------------------

fw_cfg_common() {
	expect_status $BOARD_PASS &&
		expect_in "$out" 'fw_cfg: signature "QEMU"' &&
		expect_in "$out" "fw_cfg: id 0x1 (traditional 1, dma 0)" &&
		expect_in "$out" "fw_cfg: nb_cpus 2 max_cpus 2" &&
		expect_in "$out" 'fw_cfg: cmdline size 15 "console=x y=42"' &&
		expect_in "$out" 'fw_cfg: file "etc/e820" key 0x20' &&
		expect_in "$out" "fw_cfg: ok" &&
		expect_in "$out" "fw_cfg: e820 0x0 0x9fc00 1" &&
		expect_in "$out" "fw_cfg: e820 0x9fc00 0x60400 2" &&
		expect_in "$out" "fw_cfg: e820 0xe0000000 0x100000 2" &&
		expect_in "$out" "fw_cfg: e820 0xfe000000 0x200000 2" &&
		expect_in "$out" "fw_cfg: e820 0xfffbc000 0x4000 2"
}

e820_count() {
	[ "$(grep -c '^fw_cfg: e820 ' "$out")" -eq "$1" ] && return 0
	fail "expected $1 e820 entries"
	show
	return 1
}

test_board_fw_cfg_64m() {
	need_kvm || return
	hv run --kernel "$G/fw_cfg.elf" --debug-exit --memory 64M --cpus 2 \
		--cmdline "console=x y=42"
	fw_cfg_common &&
		expect_in "$out" "fw_cfg: ram_size 0x4000000" &&
		expect_in "$out" "fw_cfg: e820 0x100000 0x3f00000 1" &&
		e820_count 6
}

test_board_fw_cfg_4g() {
	need_kvm || return
	hv run --kernel "$G/fw_cfg.elf" --debug-exit --memory 4G --cpus 2 \
		--cmdline "console=x y=42"
	fw_cfg_common &&
		expect_in "$out" "fw_cfg: ram_size 0x100000000" &&
		expect_in "$out" "fw_cfg: e820 0x100000 0xbff00000 1" &&
		expect_in "$out" "fw_cfg: e820 0x100000000 0x40000000 1" &&
		e820_count 7
}

# --- resets ------------------------------------------------------------

# reset_once VIA: without --on-reboot the reset ends hyve with status 14.
reset_once() {
	need_kvm || return
	hv run --kernel "$G/reset.elf" --debug-exit -v --cmdline "via=$1"
	expect_in "$out" "reset: first boot (via=$1)" &&
		expect_not_in "$out" "second boot" &&
		expect_not_in "$out" "still running" &&
		expect_in "$err" "stopped: the guest reset the machine" &&
		expect_status 14
}

# reset_restart VIA: with --on-reboot restart the guest boots again, and
# the CMOS byte it set tells it so.
reset_restart() {
	need_kvm || return
	hv run --kernel "$G/reset.elf" --debug-exit -v --on-reboot restart \
		--cmdline "via=$1"
	expect_in "$out" "reset: first boot (via=$1)" &&
		expect_in "$out" "reset: second boot" &&
		{ [ "$(grep -c 'first boot' "$out")" -eq 1 ] ||
			{ fail "more than one first boot"; show; return 1; }; } &&
		expect_in "$err" "restarting the guest (--on-reboot restart)" &&
		expect_status $BOARD_PASS
}

test_board_reset_cf9() { reset_once cf9; }
test_board_reset_kbd() { reset_once kbd; }
test_board_reset_cf9_restart() { reset_restart cf9; }
test_board_reset_kbd_restart() { reset_restart kbd; }

# A triple fault is a failure (status 8, with a report) unless the user
# asked for PC behaviour with --on-reboot restart.
test_board_reset_triple() {
	need_kvm || return
	hv run --kernel "$G/reset.elf" --debug-exit --cmdline via=triple
	expect_in "$out" "reset: first boot (via=triple)" &&
		expect_not_in "$out" "second boot" &&
		expect_in "$err" "guest triple fault (KVM_EXIT_SHUTDOWN)" &&
		expect_status 8
}

# hyve run --help: "With restart a triple fault resets too, as on a PC."
test_board_reset_triple_restart() { reset_restart triple; }

# --- COM2-4 ------------------------------------------------------------

test_board_com_probe() {
	need_kvm || return
	hv run --kernel "$G/com_probe.elf" --debug-exit
	expect_in "$out" "com_probe: COM1 0x3f8 present (scratch 0x5a 0xa5, IER 0x0," &&
		expect_in "$out" "com_probe: COM2 0x2f8 absent (scratch 0xff 0xff, IER 0xff, LSR 0xff)" &&
		expect_in "$out" "com_probe: COM3 0x3e8 absent (scratch 0xff 0xff, IER 0xff, LSR 0xff)" &&
		expect_in "$out" "com_probe: COM4 0x2e8 absent (scratch 0xff 0xff, IER 0xff, LSR 0xff)" &&
		expect_in "$out" "com_probe: ok" &&
		expect_status $BOARD_PASS
}
