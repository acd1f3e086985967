# hyve.run=net: the guest's side of tests/linux/net.sh.  Two virtio-net
# NICs, told apart by MAC: 52:54:00:00:00:01 on a tap whose host side is
# 192.168.77.1, 52:54:00:00:00:02 on the user-mode network (host 10.0.2.2).
# The host serves hello.txt and big on port 8080 of both; the guest fetches
# them, serves its own file on port 80, and waits until the host has
# fetched it (the host then serves "done").
nic() {
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address")" = "$1" ] && basename "$d"
	done
}
sum() {
	md5sum "$1" | cut -c1-32
}
tap=$(nic 52:54:00:00:00:01)
usr=$(nic 52:54:00:00:00:02)
echo "HYVE-NET: tap=$tap user=$usr"
[ -n "$tap" ] && [ -n "$usr" ] || exit 1
ip link set lo up
ip addr add 192.168.77.2/24 dev "$tap"
ip link set "$tap" up
ip addr add 10.0.2.15/24 dev "$usr"
ip link set "$usr" up
echo "HYVE-NET: carrier tap=$(cat "/sys/class/net/$tap/carrier")" \
	"user=$(cat "/sys/class/net/$usr/carrier")"

# The tap: ping the host, fetch a line and a big file.
ping -c 3 -W 10 192.168.77.1 >/tmp/ping 2>&1
echo "HYVE-NET: tap ping status=$? $(grep -o '[0-9]* packets received' /tmp/ping)"
timeout 60 wget -q -O /tmp/hello http://192.168.77.1:8080/hello.txt
echo "HYVE-NET: tap hello status=$? [$(cat /tmp/hello)]"
timeout 120 wget -q -O /tmp/big http://192.168.77.1:8080/big
echo "HYVE-NET: tap big status=$? md5=$(sum /tmp/big) size=$(wc -c </tmp/big)"

# The user-mode network: the host's servers are at 10.0.2.2.
timeout 60 wget -q -O /tmp/uhello http://10.0.2.2:8080/hello.txt
echo "HYVE-NET: user hello status=$? [$(cat /tmp/uhello)]"
timeout 120 wget -q -O /tmp/usmall http://10.0.2.2:8080/small
echo "HYVE-NET: user small status=$? md5=$(sum /tmp/usmall) size=$(wc -c </tmp/usmall)"

# A file for the host to fetch, through the tap and through hostfwd.
mkdir -p /www
dd if=/dev/urandom of=/www/big bs=1024 count=128 2>/dev/null
echo "HYVE-NET: guest big md5=$(sum /www/big)"
httpd -p 80 -h /www
echo "HYVE-NET: serving"
i=0
while [ $i -lt 300 ]; do
	timeout 10 wget -q -O /tmp/done http://192.168.77.1:8080/done 2>/dev/null &&
		break
	sleep 2
	i=$((i + 1))
done
echo "HYVE-NET: host says [$(cat /tmp/done 2>/dev/null)]"
for n in "$tap" "$usr"; do
	s=/sys/class/net/$n/statistics
	echo "HYVE-NET: stats $n rx=$(cat $s/rx_packets) rx_errors=$(cat $s/rx_errors)" \
		"rx_dropped=$(cat $s/rx_dropped) tx=$(cat $s/tx_packets)" \
		"tx_errors=$(cat $s/tx_errors) tx_dropped=$(cat $s/tx_dropped)"
done
