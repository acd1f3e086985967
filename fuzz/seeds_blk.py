#!/usr/bin/env python3
"""Write the seed corpus of fuzz/fuzz_blk.c into fuzz/corpus/fuzz_blk/.

Each seed is the target's header (struct fuzz_hdr) and a small image of
guest region A (the target zero-pads it): a 16-entry queue with its
descriptor table at offset 0, avail ring at 0x100, used ring at 0x200, an
indirect table at 0x300, request headers from 0x800 and buffers from
0x1000.  Run from the repository root: fuzz/seeds_blk.py
"""
import os
import struct

A_GPA = 0x10000
DESC, AVAIL, USED, ITAB, HDRS, DATA = 0x0, 0x100, 0x200, 0x300, 0x800, 0x1000
NEXT, WRITE, INDIRECT = 1, 2, 4
READONLY, NO_EVENT, NO_INDIRECT, NO_DISCARD, RESET_EARLY = 1, 2, 4, 8, 16
T_IN, T_OUT, T_FLUSH, T_GET_ID, T_DISCARD, T_WRITE_ZEROES = 0, 1, 4, 8, 11, 13
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus",
                   "fuzz_blk")


class Seed:
    def __init__(self, flags=0, bumps=b"", size_log2=4):
        self.size = 1 << size_log2
        self.hdr = struct.pack("<BBHHH4s", size_log2, flags, DESC, AVAIL,
                               USED, bumps)
        self.img = bytearray(0x2000)
        self.avail_idx = 0
        self.next_desc = 0
        self.next_hdr = HDRS

    def desc(self, i, addr, length, flags=0, nxt=0, table=DESC):
        struct.pack_into("<QIHH", self.img, table + 16 * i, A_GPA + addr,
                         length, flags, nxt)

    def avail(self, head):
        slot = AVAIL + 4 + 2 * (self.avail_idx % self.size)
        struct.pack_into("<H", self.img, slot, head)
        self.avail_idx = (self.avail_idx + 1) & 0xFFFF
        struct.pack_into("<H", self.img, AVAIL + 2, self.avail_idx)

    def header(self, rtype, sector, extra=b""):
        at = self.next_hdr
        struct.pack_into("<IIQ", self.img, at, rtype, 0, sector)
        self.img[at + 16:at + 16 + len(extra)] = extra
        self.next_hdr += 16 + len(extra)
        return at

    def request(self, parts):
        """parts: (offset, length, writable) after which a chain is made."""
        head = self.next_desc
        for k, (addr, length, writable) in enumerate(parts):
            i = self.next_desc
            last = k == len(parts) - 1
            self.desc(i, addr, length, (WRITE if writable else 0) |
                      (0 if last else NEXT), i + 1)
            self.next_desc += 1
        self.avail(head)
        return head

    def write(self, name):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(self.hdr + bytes(self.img))


def main():
    os.makedirs(OUT, exist_ok=True)

    s = Seed()  # each request type once
    s.request([(s.header(T_OUT, 8), 16, False), (DATA, 1024, False),
               (DATA + 0xf00, 1, True)])
    s.request([(s.header(T_IN, 8), 16, False), (DATA + 0x400, 1024, True),
               (DATA + 0xf01, 1, True)])
    s.request([(s.header(T_FLUSH, 0), 16, False), (DATA + 0xf02, 1, True)])
    s.request([(s.header(T_GET_ID, 0), 16, False), (DATA + 0x800, 20, True),
               (DATA + 0xf03, 1, True)])
    seg = struct.pack("<QII", 16, 8, 0)
    s.request([(s.header(T_DISCARD, 0, seg), 32, False),
               (DATA + 0xf04, 1, True)])
    seg = struct.pack("<QII", 32, 8, 1)
    s.request([(s.header(T_WRITE_ZEROES, 0, seg), 32, False),
               (DATA + 0xf05, 1, True)])
    s.write("types")

    s = Seed(flags=READONLY)  # writes to a read-only disk
    s.request([(s.header(T_OUT, 0), 16, False), (DATA, 512, False),
               (DATA + 0xf00, 1, True)])
    seg = struct.pack("<QII", 0, 1, 0)
    s.request([(s.header(T_WRITE_ZEROES, 0, seg), 32, False),
               (DATA + 0xf01, 1, True)])
    s.request([(s.header(T_IN, 0), 16, False), (DATA, 512, True),
               (DATA + 0xf02, 1, True)])
    s.write("readonly")

    s = Seed()  # hostile: short header, bad length, range, no status
    s.request([(s.header(T_IN, 0), 15, False), (DATA + 0xf00, 1, True)])
    s.request([(s.header(T_IN, 0), 16, False), (DATA, 100, True),
               (DATA + 0xf01, 1, True)])
    s.request([(s.header(T_IN, (1 << 64) - 1), 16, False), (DATA, 512, True),
               (DATA + 0xf02, 1, True)])
    s.request([(s.header(T_OUT, 0), 16, False), (DATA, 512, True),
               (DATA + 0xf03, 1, True)])
    s.request([(s.header(T_IN, 0), 16, False), (DATA, 512, False)])
    s.write("hostile")

    s = Seed(flags=NO_EVENT)  # indirect: the header split, data, status
    h = s.header(T_IN, 4)
    for i, (addr, length, fl) in enumerate(
            [(h, 8, 0), (h + 8, 8, 0), (DATA, 512, WRITE),
             (DATA + 0x200, 513, WRITE)]):
        s.desc(i, addr, length, fl | (NEXT if i < 3 else 0), i + 1,
               table=ITAB)
    s.desc(0, ITAB, 4 * 16, INDIRECT)
    s.avail(0)
    s.write("indirect")

    # More chains than the backend's 8 slots, the same head many times,
    # then more made available between rounds; and a reset in flight.
    for name, flags in (("overfill", 0), ("reset", RESET_EARLY)):
        s = Seed(flags=flags, bumps=bytes([0x88, 0x88, 0x88, 0x88]))
        head = s.request([(s.header(T_IN, 2), 16, False),
                          (DATA, 4096, True), (DATA + 0xf00, 1, True)])
        for _ in range(15):
            s.avail(head)
        s.write(name)


if __name__ == "__main__":
    main()
