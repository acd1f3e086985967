# cli.sh: help and version texts.
# Sourced by tests/guest/run; each test_* function is one test.

test_help() {
	hv --help
	expect_status 0 && expect_in "$out" "SYNOPSIS" &&
		expect_in "$out" "hyve run [--kernel PATH] [OPTIONS]" &&
		expect_in "$out" "EXIT STATUS" && expect_lines "$err" 0
}

test_run_help() {
	hv run --help
	expect_status 0 || return 1
	local o
	for o in --kernel --kernel-format --cmdline --memory --cpus --serial \
		--debug-exit --stats --verbose; do
		expect_in "$out" "    $o" || return 1
	done
}

test_version() {
	hv --version
	expect_status 0 && expect_in "$out" "hyve 0."
}
