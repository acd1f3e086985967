# hyve.run=vsock: the guest's end of tests/linux/vsock.sh, which runs hyve
# with --vsock cid=3,path=PATH, listens on PATH_6000 (it answers
# "thanks"), and connects through PATH to port 5000 once this prints
# "listening 5000".
vsock cid
# Guest to host: 64 KiB (twice half the device's buffer: credit updates)
# to CID 2 port 6000, and the host's answer back.
head -c 65536 /dev/urandom >/tmp/g2h
echo "HYVE-VSOCK: g2h md5=$(md5sum </tmp/g2h | cut -d' ' -f1)"
vsock connect 2 6000 </tmp/g2h >/tmp/g2h.answer
echo "HYVE-VSOCK: g2h status=$? answer=[$(cat /tmp/g2h.answer)]"
# Nothing listens on port 6001: refused.
vsock connect 2 6001 </dev/null
echo "HYVE-VSOCK: refused status=$?"
# Host to guest: an echo server for one connection.
vsock listen 5000 echo
echo "HYVE-VSOCK: echo status=$?"
