# tests/linux/net.sh: virtio-net in the Linux tier (sourced by
# tests/linux/run; the guest's side is tests/linux/init.d/net.sh).
#
# One boot with two NICs, everything inside a network namespace of the
# test's own, so the host's network is never touched and deleting the
# namespace takes everything away:
#   --net tap=T  a persistent tap made in the namespace beforehand, host
#                side 192.168.77.1/24, guest 192.168.77.2 (static);
#   --net user   libslirp, guest 10.0.2.15 (static: the small kernel has
#                no CONFIG_PACKET for udhcpc), hostfwd 127.0.0.1:10080 to
#                the guest's port 80.
# busybox httpd serves files on port 8080 in the namespace.  The guest
# pings the host through the tap and fetches a line and 256 KiB (checksum
# and segmentation offloads, mergeable buffers) from 192.168.77.1, and a
# line and 64 KiB from 10.0.2.2 (the user network's host), then serves
# 128 KiB; the host pings the guest and fetches that file through the tap
# and through hostfwd (curl).  Needs root (ip netns, a tap), busybox and curl.

NET_NS= NET_TAP= NET_HTTPD= NET_HYVE=

net_cleanup() {
	local p
	for p in $NET_HYVE $NET_HTTPD; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "$NET_NS" ] && ip netns del "$NET_NS" 2>/dev/null
	NET_HYVE= NET_HTTPD=
}

# net_wait TEXT: wait for TEXT in hyve's stdout while hyve runs.
net_wait() {
	local i
	for ((i = 0; i < T_TIMEOUT * 2; i++)); do
		grep -qF -- "$1" "$out" && return 0
		kill -0 "$NET_HYVE" 2>/dev/null || break
		sleep 0.5
	done
	grep -qF -- "$1" "$out" && return 0
	fail "no '$1' from the guest"
	show
	return 1
}

# What the host does once the guest serves: ping it, fetch its file both
# ways, then tell it to finish.  Results go to $T_TMP/host.
net_host_side() {
	local h=$T_TMP/host
	ip netns exec "$NET_NS" busybox ping -c 3 -W 10 192.168.77.2 >"$h.ping" 2>&1
	echo "ping status=$?" >"$h"
	ip netns exec "$NET_NS" curl -sf -m 120 -o "$h.tap" \
		http://192.168.77.2/big
	echo "tap status=$? md5=$(md5sum <"$h.tap" | cut -c1-32)" >>"$h"
	ip netns exec "$NET_NS" curl -sf -m 120 -o "$h.fwd" \
		http://127.0.0.1:10080/big
	echo "hostfwd status=$? md5=$(md5sum <"$h.fwd" | cut -c1-32)" >>"$h"
	echo finish >"$T_TMP/www/done"
}

net_checks() {
	local w=$T_TMP/www big small gbig tap_line
	big=$(md5sum <"$w/big" | cut -c1-32)
	small=$(md5sum <"$w/small" | cut -c1-32)
	expect_status 0 && check_boot 1 256 && expect_in "$out" "HYVE-RUN: net status=0" || return 1
	# Two virtio-net functions (0x1041), Ethernet class, bound, on MSI-X.
	[ "$(grep -c "0x1af4:0x1041 class=0x020000 driver=virtio-pci msi=[1-9]" "$out")" -eq 2 ] ||
		{ fail "not two virtio-net functions on MSI-X: $(grep HYVE-PCI "$out")"; return 1; }
	expect_in "$out" "HYVE-NET: carrier tap=1 user=1" &&
		expect_in "$out" "HYVE-NET: tap ping status=0 3 packets received" &&
		expect_in "$out" "HYVE-NET: tap hello status=0 [hyve-net-hello]" &&
		expect_in "$out" "HYVE-NET: tap big status=0 md5=$big size=262144" &&
		expect_in "$out" "HYVE-NET: user hello status=0 [hyve-net-hello]" &&
		expect_in "$out" "HYVE-NET: user small status=0 md5=$small size=65536" &&
		expect_in "$out" "HYVE-NET: host says [finish]" || return 1
	gbig=$(sed -n 's/^HYVE-NET: guest big md5=\([0-9a-f]\{32\}\).*/\1/p' "$out")
	[ -n "$gbig" ] || { fail "no md5 of the guest's file"; return 1; }
	expect_in "$T_TMP/host" "ping status=0" &&
		expect_in "$T_TMP/host" "tap status=0 md5=$gbig" &&
		expect_in "$T_TMP/host" "hostfwd status=0 md5=$gbig" || return 1
	# The guest's drivers saw no errors.
	grep "^HYVE-NET: stats" "$out" | grep -vq "rx_errors=0 rx_dropped=0 .* tx_errors=0 tx_dropped=0" &&
		{ fail "interface errors: $(grep '^HYVE-NET: stats' "$out")"; return 1; }
	# Nothing from the driver (its messages name it; the stock kernel's
	# /init names the module it loads, "HYVE-MODULE: virtio_net status=0").
	grep -v "^HYVE-MODULE: " "$out" | grep -qF "virtio_net" &&
		{ fail "virtio_net said: $(grep -v '^HYVE-MODULE: ' "$out" | grep -F virtio_net | head -n3)"; return 1; }
	# hyve's side: both backends, offloads on the tap, frames over several
	# buffers, nothing dropped or malformed.
	expect_in "$err" "net: info: tap $NET_TAP: attached, offloads" &&
		expect_in "$err" "net: info: user: libslirp" || return 1
	tap_line=$(grep "virtio-net: info: tap: tx" "$err")
	echo "$tap_line" | grep -qE "tx [1-9][0-9]* frames \(0 dropped\), rx [1-9][0-9]* frames \(0 dropped, [1-9][0-9]* merged\)" ||
		{ fail "tap device: '$tap_line'"; return 1; }
	grep "virtio-net: info: user: tx" "$err" | grep -qE "tx [1-9][0-9]* frames \(0 dropped\), rx [1-9][0-9]* frames \(0 dropped" ||
		{ fail "user device: '$(grep "virtio-net: info: user: tx" "$err")'"; return 1; }
	! grep -E "(virtq|virtio|virtio-net|net|evloop): (warning|error)" "$err" ||
		{ fail "hyve complained"; return 1; }
}

test_small_kernel_net() {
	need_kvm || return
	[ "${LINUX_TESTS:-}" = quick ] && { skip "LINUX_TESTS=quick"; return; }
	[ "$(id -u)" -eq 0 ] || { skip "needs root: a network namespace and a tap"; return; }
	command -v ip >/dev/null || { skip "no ip(8) (iproute2)"; return; }
	command -v busybox >/dev/null || { skip "no busybox (busybox-static) for httpd"; return; }
	command -v curl >/dev/null || { skip "no curl"; return; }
	local w=$T_TMP/www r=0
	NET_NS=hyve-net-$$ NET_TAP=hyvetap$$
	out=$T_TMP/out err=$T_TMP/err status=
	mkdir -p "$w"
	echo hyve-net-hello >"$w/hello.txt"
	head -c 262144 /dev/urandom >"$w/big"
	head -c 65536 /dev/urandom >"$w/small"
	if ! { ip netns add "$NET_NS" && ip -n "$NET_NS" link set lo up &&
		ip -n "$NET_NS" tuntap add "$NET_TAP" mode tap &&
		ip -n "$NET_NS" addr add 192.168.77.1/24 dev "$NET_TAP" &&
		ip -n "$NET_NS" link set "$NET_TAP" up; }; then
		net_cleanup
		skip "cannot make a network namespace with a tap here"
		return
	fi
	ip netns exec "$NET_NS" busybox httpd -f -p 8080 -h "$w" &
	NET_HTTPD=$!
	ip netns exec "$NET_NS" timeout -k 5 "$T_TIMEOUT" "$HYVE" run \
		--kernel "$KERNEL" --initramfs "$INITRD" --cpus 1 --memory 256M \
		--net "tap=$NET_TAP,mac=52:54:00:00:00:01" \
		--net user,mac=52:54:00:00:00:02,hostfwd=tcp:127.0.0.1:10080-:80 \
		--cmdline "$CMDLINE hyve.run=pci,net" -v >"$out" 2>"$err" </dev/null &
	NET_HYVE=$!
	if net_wait "HYVE-NET: serving"; then
		net_host_side
		wait "$NET_HYVE"
		status=$?
		NET_HYVE=
		net_checks || r=1
	else
		r=1
	fi
	net_cleanup
	# Nothing is left: no namespace, no tap in the host's namespace.
	! ip netns list | grep -qw "$NET_NS" ||
		{ fail "network namespace $NET_NS is still there"; r=1; }
	! ip link show "$NET_TAP" >/dev/null 2>&1 ||
		{ fail "tap $NET_TAP is still there"; r=1; }
	return $r
}
