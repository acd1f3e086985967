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
trap 'rm -rf "$T_TMP"' EXIT

fail() {
	echo "    $*" >&2
	return 1
}

skip() {
	echo "$*" >"$T_TMP/skip"
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
		("$t") || r=$?
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
	echo "$suite: $pass passed, $failn failed, $skipn skipped"
	[ -n "${RESULTS:-}" ] && echo "$pass $failn $skipn" >>"$RESULTS"
	[ $failn -eq 0 ]
}
