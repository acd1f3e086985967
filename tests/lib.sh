# tests/lib.sh: a small harness for hyve's shell-driven tests.
#
# A test is a function named test_*; it passes by returning 0, fails by
# returning non-zero (after saying why with `fail`), and skips by calling
# `skip REASON`.  run_tests runs every test_* function in the file, or those
# whose names contain $TEST_FILTER, and appends its counts to $RESULTS.

: "${HYVE:=build/hyve}"
: "${GUEST_DIR:=build/guests}"
: "${T_TIMEOUT:=60}"

T_TMP=$(mktemp -d /tmp/hyve-test.XXXXXX)
T_ROOT=$T_TMP
trap 'rm -rf "$T_ROOT"' EXIT

fail() {
	echo "    $*" >&2
	return 1
}

skip() {
	echo "$*" >"${T_ROOT:-$T_TMP}/skip"
	return 77
}

# hv ARGS...: run hyve with a timeout; sets $status, $out, $err (file names).
hv() {
	out=$T_TMP/out err=$T_TMP/err
	status=0
	timeout -k 5 "$T_TIMEOUT" "$HYVE" "$@" >"$out" 2>"$err" </dev/null ||
		status=$?
}

# hv_in INPUT ARGS...: the same with INPUT on stdin.
hv_in() {
	local input=$1
	shift
	out=$T_TMP/out err=$T_TMP/err
	status=0
	printf '%s' "$input" | timeout -k 5 "$T_TIMEOUT" "$HYVE" "$@" \
		>"$out" 2>"$err" || status=$?
}

show() {
	echo "    --- stdout:" >&2
	head -n 20 "$out" | sed 's/^/    | /' >&2
	echo "    --- stderr:" >&2
	head -n 40 "$err" | sed 's/^/    | /' >&2
}

expect_status() {
	[ "$status" -eq "$1" ] && return 0
	fail "exit status $status, expected $1"
	show
	return 1
}

# expect_out FILE FIXED-STRING: FILE ($out or $err) contains the string.
expect_in() {
	grep -qF -- "$2" "$1" && return 0
	fail "$(basename "$1") lacks: $2"
	show
	return 1
}

expect_not_in() {
	! grep -qF -- "$2" "$1" && return 0
	fail "$(basename "$1") should not contain: $2"
	show
	return 1
}

# expect_lines FILE N: FILE has exactly N lines.
expect_lines() {
	local n
	n=$(wc -l <"$1")
	[ "$n" -eq "$2" ] && return 0
	fail "$(basename "$1") has $n lines, expected $2"
	show
	return 1
}

need_kvm() {
	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && return 0
	skip "no usable /dev/kvm on this host"
}

run_tests() {
	local suite=$1 pass=0 failn=0 skipn=0 t r
	for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
		[ -n "${TEST_FILTER:-}" ] && [[ $t != *"$TEST_FILTER"* ]] && continue
		rm -f "$T_TMP/skip"
		r=0
		# Each test gets a fresh scratch directory of its own.
		(T_TMP=$T_TMP/$t && mkdir -p "$T_TMP" && "$t") || r=$?
		if [ $r -eq 0 ]; then
			echo "PASS $suite/$t"
			pass=$((pass + 1))
		elif [ $r -eq 77 ]; then
			echo "SKIP $suite/$t: $(cat "$T_TMP/skip" 2>/dev/null)"
			skipn=$((skipn + 1))
		else
			echo "FAIL $suite/$t"
			failn=$((failn + 1))
		fi
	done
	if [ $((pass + failn + skipn)) -eq 0 ]; then
		echo "FAIL $suite: no test ran"
		failn=1
	fi
	echo "$suite: $pass passed, $failn failed, $skipn skipped"
	[ -n "${RESULTS:-}" ] && echo "$pass $failn $skipn" >>"$RESULTS"
	[ $failn -eq 0 ]
}

# in_ns SCRIPT: run SCRIPT in a private mount namespace (to hide /dev/kvm).
in_ns() {
	command -v unshare >/dev/null && unshare -m true 2>/dev/null ||
		{ skip "cannot make a mount namespace here"; return; }
	out=$T_TMP/out err=$T_TMP/err status=0
	unshare -m sh -c "$1" >"$out" 2>"$err" </dev/null || status=$?
}


# on_pty CMD: run CMD on a pseudo-terminal (util-linux script), with stdin
# fed from $T_TMP/keys; stty settings before and after land in files.
on_pty() {
	command -v script >/dev/null || { skip "no script(1)"; return; }
	local feeder
	rm -f "$T_TMP/fifo" "$T_TMP/st"
	mkfifo "$T_TMP/fifo"
	(sleep "${KEY_DELAY:-0}"; cat "$T_TMP/keys" 2>/dev/null; exec sleep 60) >"$T_TMP/fifo" &
	feeder=$!
	timeout -k 5 "$T_TIMEOUT" script -qec \
		"stty -g >$T_TMP/before; $1; echo \"status=\$?\" >$T_TMP/st; stty -g >$T_TMP/after" \
		/dev/null <"$T_TMP/fifo" >"$T_TMP/pty" 2>&1
	kill "$feeder" 2>/dev/null
	wait "$feeder" 2>/dev/null
	out=$T_TMP/pty err=$T_TMP/pty
	[ -s "$T_TMP/st" ] || { fail "no status recorded"; show; return 1; }
	status=$(sed -n 's/^status=//p' "$T_TMP/st")
}


# wait_for FILE TEXT [SECONDS]: wait until FILE contains TEXT (default 10 s).
wait_for() {
	local i n=$((${3:-10} * 20))
	for ((i = 0; i < n; i++)); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "$(basename "$1") never showed: $2"
	return 1
}

# wait_gone PID [SECONDS]: wait until PID has ended (default 5 s); kill -9
# it and fail if it has not.
wait_gone() {
	local i n=$((${2:-5} * 20))
	for ((i = 0; i < n; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -KILL "$1" 2>/dev/null
	fail "process $1 did not end within ${2:-5} s"
	return 1
}

# hv_bg ARGS...: start hyve in the background with stdin from /dev/null (or
# $HV_STDIN); sets $pid, $out and $err.  Collect the status with hv_wait.
hv_bg() {
	out=$T_TMP/out err=$T_TMP/err
	"$HYVE" "$@" <"${HV_STDIN:-/dev/null}" >"$out" 2>"$err" &
	pid=$!
}

# hv_wait: wait for the hyve started by hv_bg; sets $status.
hv_wait() {
	status=0
	wait "$pid" || status=$?
}

# thread_cpu_ticks PID: user + system clock ticks of PID's main thread.
thread_cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$1/task/$1/stat"
}
