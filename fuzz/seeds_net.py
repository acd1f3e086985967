#!/usr/bin/env python3
"""Write the seed corpus of fuzz/fuzz_net.c into fuzz/corpus/fuzz_net/.

Each seed is the target's header (struct fuzz_hdr: features, queue sizes,
24 ops) and an image of guest RAM (the target zero-pads it to 128 KiB):
queue q's descriptor table at 0x2000 * q, its avail ring 0x800 above, its
used ring 0x1000 above; buffers from 0x6000.  Run from the repository
root: fuzz/seeds_net.py
"""
import os
import struct

RAM_GPA = 0x10000
DATA = 0x6000
NEXT, WRITE = 1, 2
MRG, OFFLOADS, CSUM, CTRL, EVENT_IDX, INDIRECT = 1, 2, 4, 8, 16, 32
(NOTIFY_RX, NOTIFY_TX, NOTIFY_CTRL, RX_READY, TX_READY, SEND_MODE, FRAME,
 PUBLISH) = range(8)
NOPS = 24
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus",
                   "fuzz_net")


def op(code, arg=0):
    return code | arg << 3


class Seed:
    def __init__(self, features=0, rx_log2=4, tx_log2=4, ctrl_log2=3):
        self.features = features
        self.sizes = rx_log2 | tx_log2 << 4
        self.ctrl = ctrl_log2
        self.qsize = [1 << rx_log2, 1 << tx_log2, 1 << ctrl_log2]
        self.img = bytearray(0x8000)
        self.data = DATA
        self.next = [0, 0, 0]
        self.idx = [0, 0, 0]

    def buf(self, content):
        at = self.data
        self.img[at:at + len(content)] = content
        self.data += (len(content) + 15) & ~15
        return at

    def chain(self, q, bufs, publish=True):
        """bufs: (offset, length, writable); returns the head."""
        head = self.next[q]
        for i, (at, length, w) in enumerate(bufs):
            me = (head + i) % self.qsize[q]
            flags = (WRITE if w else 0) | (NEXT if i + 1 < len(bufs) else 0)
            struct.pack_into("<QIHH", self.img, 0x2000 * q + 16 * me,
                             RAM_GPA + at, length, flags,
                             (me + 1) % self.qsize[q])
        self.next[q] = (head + len(bufs)) % self.qsize[q]
        slot = 0x2000 * q + 0x800 + 4 + 2 * (self.idx[q] % self.qsize[q])
        struct.pack_into("<H", self.img, slot, head)
        self.idx[q] += 1
        if publish:
            struct.pack_into("<H", self.img, 0x2000 * q + 0x800 + 2,
                             self.idx[q] & 0xFFFF)
        return head

    def write(self, name, ops):
        ops = bytes(ops) + bytes(NOPS - len(ops))
        hdr = struct.pack("<BBB", self.features, self.sizes, self.ctrl) + ops
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(hdr + bytes(self.img).rstrip(b"\0"))


def tx_frame(s, length=60, flags=0, gso=0, csum=(0, 0)):
    hdr = struct.pack("<BBHHHHH", flags, gso, 0, 1448 if gso else 0,
                      csum[0], csum[1], 0)
    h = s.buf(hdr)
    f = s.buf(bytes([0x42]) * length)
    return s.chain(1, [(h, 12, False), (f, length, False)])


def main():
    os.makedirs(OUT, exist_ok=True)

    s = Seed()  # two frames out, one of them malformed
    tx_frame(s)
    tx_frame(s, 10)
    s.write("tx", [op(NOTIFY_TX)])

    s = Seed(OFFLOADS | CSUM)  # offload headers, good and bad
    tx_frame(s, 3000, 1, 1, (34, 16))
    tx_frame(s, 60, 1, 0, (50, 9))
    tx_frame(s, 3000, 0, 4, (0, 0))
    s.write("tx_offloads", [op(NOTIFY_TX)])

    s = Seed()  # backpressure: the send is refused, then goes
    tx_frame(s)
    tx_frame(s, 100)
    s.write("tx_eagain", [op(SEND_MODE, 1), op(NOTIFY_TX), op(NOTIFY_TX),
                          op(SEND_MODE, 0), op(TX_READY)])

    s = Seed(MRG)  # mergeable buffers, a frame over several
    for _ in range(16):
        s.chain(0, [(s.buf(bytes(1536)), 1536, True)])
    s.write("rx_mrg", [op(NOTIFY_RX), op(FRAME, 18), op(FRAME, 7),
                       op(RX_READY), op(FRAME, 26), op(RX_READY)])

    s = Seed(MRG | EVENT_IDX)  # a frame waits for buffers
    for i in range(4):
        s.chain(0, [(s.buf(bytes(1536)), 1536, True)], publish=i < 2)
    s.write("rx_stash", [op(NOTIFY_RX), op(FRAME, 18), op(RX_READY),
                         op(PUBLISH, 3), op(NOTIFY_RX)])

    s = Seed(0, rx_log2=2)  # no MRG_RXBUF, a bad chain, a frame too big
    s.chain(0, [(s.buf(bytes(10)), 10, False), (s.buf(bytes(64)), 64, True)])
    s.chain(0, [(s.buf(bytes(8)), 8, True)])
    s.chain(0, [(s.buf(bytes(1526)), 1526, True)])
    s.write("rx_plain", [op(FRAME, 17), op(FRAME, 9), op(NOTIFY_RX),
                         op(PUBLISH, 31), op(RX_READY)])

    s = Seed(OFFLOADS | CSUM | CTRL | MRG)  # the control queue
    cmd = s.buf(bytes([5, 0]))
    data = s.buf(struct.pack("<Q", 2))
    ack = s.buf(bytes([0xAA]))
    s.chain(2, [(cmd, 2, False), (data, 8, False), (ack, 1, True)])
    cmd = s.buf(bytes([0, 0, 1]))
    s.chain(2, [(cmd, 3, False), (ack, 1, True)])
    s.write("ctrl", [op(NOTIFY_CTRL), op(NOTIFY_RX), op(RX_READY)])


if __name__ == "__main__":
    main()
