#!/usr/bin/env python3
"""Write the seed corpora of fuzz/fuzz_virtq.c and fuzz/fuzz_vsock.c into
fuzz/corpus/fuzz_virtq/ and fuzz/corpus/fuzz_vsock/.

Each seed is the target's header (struct fuzz_hdr) and a small image of
guest region A (the target zero-pads it): a 16-entry queue with its
descriptor table at offset 0, avail ring at 0x100, used ring at 0x200, an
indirect table at 0x300 and buffers from 0x1000.  Run from the repository
root: fuzz/seeds.py
"""
import os
import struct

A_GPA = 0x10000
DESC, AVAIL, USED, ITAB, DATA = 0x0, 0x100, 0x200, 0x300, 0x1000
NEXT, WRITE, INDIRECT = 1, 2, 4
EVENT_IDX, F_INDIRECT, DEFER, NOTIFY = 1, 2, 4, 8
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus",
                   "fuzz_virtq")


class Seed:
    def __init__(self, size_log2=4, flags=0, start=0, iov_cap=0, bumps=b""):
        self.size = 1 << size_log2
        self.hdr = struct.pack("<BBHHHHB7s", size_log2, flags, DESC, AVAIL,
                               USED, start, iov_cap, bumps)
        self.img = bytearray(0x400)
        self.avail_idx = start

    def desc(self, i, addr, length, flags=0, nxt=0, table=DESC):
        struct.pack_into("<QIHH", self.img, table + 16 * i, A_GPA + addr,
                         length, flags, nxt)

    def avail(self, head):
        slot = AVAIL + 4 + 2 * (self.avail_idx % self.size)
        struct.pack_into("<H", self.img, slot, head)
        self.avail_idx = (self.avail_idx + 1) & 0xFFFF
        struct.pack_into("<H", self.img, AVAIL + 2, self.avail_idx)

    def write(self, name):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(self.hdr + bytes(self.img))


def main():
    os.makedirs(OUT, exist_ok=True)

    s = Seed()  # one readable, one request with a status byte
    s.desc(0, DATA, 64)
    s.avail(0)
    s.desc(1, DATA + 0x100, 16, NEXT, 2)
    s.desc(2, DATA + 0x200, 512, WRITE | NEXT, 3)
    s.desc(3, DATA + 0x400, 1, WRITE)
    s.avail(1)
    s.write("chains")

    s = Seed(flags=EVENT_IDX | F_INDIRECT)  # indirect table, EVENT_IDX
    for i in range(4):
        s.desc(i, DATA + 0x40 * i, 0x40, (WRITE if i >= 2 else 0) |
               (NEXT if i < 3 else 0), i + 1, table=ITAB)
    s.desc(5, ITAB, 4 * 16, INDIRECT)
    s.avail(5)
    s.write("indirect")

    s = Seed(flags=DEFER | NOTIFY, start=65533,
             bumps=bytes([0x21, 0x13]))  # across the wrap, more added
    for i in range(4):
        s.desc(i, DATA + 0x10 * i, 0x10, WRITE)
        s.avail(i)
    s.write("wrap")

    s = Seed(size_log2=2, iov_cap=3)  # zero lengths, iovec bound
    s.desc(0, 0, 0, NEXT, 1)
    s.desc(1, DATA, 8, NEXT, 2)
    s.desc(2, DATA, 0, WRITE | NEXT, 3)
    s.desc(3, DATA + 8, 8, WRITE)
    s.avail(0)
    s.write("zero_len")

    s = Seed()  # a loop: malformed
    s.desc(0, DATA, 8, NEXT, 1)
    s.desc(1, DATA, 8, NEXT, 0)
    s.avail(0)
    s.write("loop")


# fuzz_vsock: struct fuzz_hdr, then packets (struct fuzz_pkt, the 44-byte
# header, the payload).
VS_OUT = os.path.join(os.path.dirname(OUT), "fuzz_vsock")
REQUEST, RESPONSE, RST, SHUTDOWN, RW, CREDIT_UPDATE, CREDIT_REQUEST = range(1, 8)
WELL_ADDRESSED = 0x80  # the target fixes the CIDs, the type, the port


def vs_pkt(op, gport, hport, payload=b"", split=WELL_ADDRESSED, src=3, dst=2,
           typ=1, length=None, flags=0, buf_alloc=65536, fwd_cnt=0):
    hdr = struct.pack("<QQIIIHHIII", src, dst, gport, hport,
                      len(payload) if length is None else length, typ, op,
                      flags, buf_alloc, fwd_cnt)
    return struct.pack("<BH", split, len(payload)) + hdr + payload


def vs_seed(name, pkts, flags=4, nrx=16, rx_size=255, reset_at=0):
    os.makedirs(VS_OUT, exist_ok=True)
    with open(os.path.join(VS_OUT, name), "wb") as f:
        f.write(struct.pack("<BBBB", flags, nrx, rx_size, reset_at) +
                b"".join(pkts))


def vsock_seeds():
    vs_seed("connect", [  # to the listener on port 1, data, close
        vs_pkt(REQUEST, 100, 1),
        vs_pkt(RW, 100, 1, b"hello"),
        vs_pkt(CREDIT_REQUEST, 100, 1),
        vs_pkt(RW, 100, 1, bytes(3000), split=WELL_ADDRESSED | 5),
        vs_pkt(SHUTDOWN, 100, 1, flags=2),
        vs_pkt(CREDIT_UPDATE, 100, 1, fwd_cnt=5),
        vs_pkt(SHUTDOWN, 100, 1, flags=3),
    ])
    vs_seed("hostile", [  # every header check
        vs_pkt(REQUEST, 101, 1, split=0, src=42),
        vs_pkt(REQUEST, 101, 1, split=0, dst=7),
        vs_pkt(REQUEST, 101, 1, split=0, typ=2),
        vs_pkt(REQUEST, 102, 2),
        vs_pkt(99, 102, 2),
        vs_pkt(REQUEST, 103, 2),
        vs_pkt(RW, 103, 2, b"abc", length=100),
        vs_pkt(RW, 104, 3, b"x"),
        vs_pkt(RST, 105, 1),
        vs_pkt(RESPONSE, 106, 1),
    ], nrx=2, rx_size=1)
    vs_seed("reset", [  # a device reset with a live connection
        vs_pkt(REQUEST, 107, 1),
        vs_pkt(RW, 107, 1, b"before"),
        vs_pkt(REQUEST, 108, 2),
        vs_pkt(RW, 108, 2, b"after"),
    ], flags=4 | 2 | 1, reset_at=2)
    vs_seed("credit", [  # beyond the 64 KiB credit
        vs_pkt(REQUEST, 109, 1),
    ] + [vs_pkt(RW, 109, 1, bytes(8191)) for _ in range(9)], nrx=0)


if __name__ == "__main__":
    main()
    vsock_seeds()
