/*
 * fw_cfg.h: QEMU's firmware configuration device (QEMU docs/specs/fw_cfg.rst),
 * the traditional I/O-port interface only, so that firmware written for
 * QEMU (SeaBIOS, OVMF, a test guest) finds its items on hyve.
 *
 * The embedder registers &fc->dev as one range of 2 ports at 0x510:
 *   0x510  selector, 16 bits, write-only, little-endian.  A 16-bit write
 *          selects that key and rewinds the item to its first byte.  An
 *          8-bit write selects the key 0x00XX (the written byte,
 *          zero-extended): firmware never does this, but it is defined.
 *          Reads of the selector read 0 and change nothing.
 *   0x511  data, 8 bits: each read returns the next byte of the selected
 *          item, and 0 once past its end (or for a key with no item).
 *          Writes are ignored: the data register is read-only, as in QEMU
 *          2.4 to 2.8; the write channel (key bit 14) is not offered, and a
 *          key with bit 14 set reads the same item as without it.
 * The bus splits and clips wider accesses, so a 32-bit write at 0x510
 * reaches us as a 16-bit selector write, and a wider read at 0x511 as one
 * data byte.
 *
 * Items: 0x0000 SIGNATURE "QEMU", 0x0001 ID (bit 0: the traditional
 * interface; bit 1, DMA, clear) and 0x0019 FILE_DIR are built in.  Numbered
 * items are added with fw_cfg_add_bytes() and the helpers below (NB_CPUS,
 * MAX_CPUS, RAM_SIZE, CMDLINE_SIZE/DATA...); named files with
 * fw_cfg_add_file(), which gives them selectors 0x0020, 0x0021, ... in the
 * order they are added.  FILE_DIR lists the files sorted by name (strcmp
 * order): a big-endian u32 count, then per file a big-endian u32 size, a
 * big-endian u16 selector, a u16 reserved (0) and a NUL-padded char[56]
 * name.
 *
 * Not emulated: the DMA interface (port 0x514, ID bit 1), writable items,
 * the MMIO form, per-item read callbacks.
 *
 * Threads: the struct is owned by the machine.  The model serialises itself
 * with fc->lock, so vCPU threads may read it while items are still being
 * added, though the machine normally adds every item before the first vCPU
 * runs.  The model keeps its own copy of every item; fw_cfg_destroy() frees
 * them.
 */
#ifndef HYVE_HW_FW_CFG_H
#define HYVE_HW_FW_CFG_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/iobus.h"

#define FW_CFG_PORT_SEL	 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORTS	 2 /* the one range the embedder registers */

/* Keys (fw_cfg.rst, "Selector Register"). */
#define FW_CFG_SIGNATURE     0x0000
#define FW_CFG_ID	     0x0001
#define FW_CFG_RAM_SIZE	     0x0003
#define FW_CFG_NB_CPUS	     0x0005
#define FW_CFG_MAX_CPUS	     0x000f
#define FW_CFG_CMDLINE_SIZE  0x0014
#define FW_CFG_CMDLINE_DATA  0x0015
#define FW_CFG_FILE_DIR	     0x0019
#define FW_CFG_FILE_FIRST    0x0020
#define FW_CFG_WRITE_CHANNEL 0x4000 /* ignored: no item is writable */
#define FW_CFG_ARCH_LOCAL    0x8000
#define FW_CFG_INVALID	     0xffff

#define FW_CFG_ID_TRADITIONAL 0x01
#define FW_CFG_ID_DMA	      0x02 /* never set here */

#define FW_CFG_MAX_FILE_PATH 56 /* name bytes in FILE_DIR, with the NUL */
#define FW_CFG_MAX_FILES     256
#define FW_CFG_MAX_ITEM_SIZE 0x40000000u /* 1 GiB: a sanity limit */

/* One "etc/e820" entry as SeaBIOS and OVMF read it: 20 bytes, packed. */
#define FW_CFG_E820_ENTRY_SIZE 20
#define FW_CFG_E820_RAM	       1
#define FW_CFG_E820_RESERVED   2
#define FW_CFG_E820_ACPI       3
#define FW_CFG_E820_NVS	       4

struct fw_cfg_e820_entry {
	uint64_t addr;
	uint64_t len;
	uint32_t type;
};

struct fw_cfg_item {
	uint16_t key;
	char name[FW_CFG_MAX_FILE_PATH]; /* "" for a numbered item */
	uint8_t *data;
	uint32_t len;
};

/*
 * Public so that it can be embedded; the fields are private to fw_cfg.c and
 * guarded by lock.
 */
struct fw_cfg {
	struct iobus_dev dev; /* first: the bus hands us this pointer */
	pthread_mutex_t lock;
	struct fw_cfg_item *items; /* every item but FILE_DIR, unsorted */
	unsigned int nitems;
	unsigned int cap;
	unsigned int nfiles;
	uint8_t *dir; /* FILE_DIR, rebuilt on each fw_cfg_add_file() */
	uint32_t dir_len;
	uint16_t key;	 /* selected key, FW_CFG_WRITE_CHANNEL masked off */
	int cur;	 /* its index in items; -1: none; -2: FILE_DIR */
	uint32_t offset; /* next byte of the selected item */
};

/*
 * Set up fc with SIGNATURE, ID and an empty FILE_DIR; key 0 selected.
 * 0 or -ENOMEM.
 */
int fw_cfg_init(struct fw_cfg *fc);
void fw_cfg_destroy(struct fw_cfg *fc);

/*
 * Add (or replace) the numbered item key with a copy of len bytes of data
 * (data may be NULL when len is 0).  0, -EINVAL for a key that is built in
 * (SIGNATURE, ID, FILE_DIR), in the file range 0x0020-0x3fff, has bit 14
 * set or is 0xffff; -E2BIG past FW_CFG_MAX_ITEM_SIZE, -ENOMEM.
 */
int fw_cfg_add_bytes(struct fw_cfg *fc, uint16_t key, const void *data,
		     size_t len);

/* Little-endian integers, as fw_cfg.rst says the numbered items are. */
int fw_cfg_add_u16(struct fw_cfg *fc, uint16_t key, uint16_t val);
int fw_cfg_add_u32(struct fw_cfg *fc, uint16_t key, uint32_t val);
int fw_cfg_add_u64(struct fw_cfg *fc, uint16_t key, uint64_t val);

/* NB_CPUS and MAX_CPUS (u16), RAM_SIZE (u64). */
int fw_cfg_set_cpus(struct fw_cfg *fc, uint16_t nb_cpus, uint16_t max_cpus);
int fw_cfg_set_ram_size(struct fw_cfg *fc, uint64_t bytes);

/* CMDLINE_SIZE (u32, strlen + 1 for the NUL) and CMDLINE_DATA (with it). */
int fw_cfg_set_cmdline(struct fw_cfg *fc, const char *cmdline);

/*
 * Add the named file with a copy of len bytes of data and give it the next
 * free selector.  0, -EINVAL for an empty name or one of 56 bytes or more,
 * -EEXIST if the name is taken, -ENOSPC past FW_CFG_MAX_FILES, -E2BIG past
 * FW_CFG_MAX_ITEM_SIZE, -ENOMEM.  *key, if not NULL, gets the selector.
 */
int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data,
		    size_t len, uint16_t *key);

/*
 * Write the "etc/e820" payload for n entries to out, which must hold
 * n * FW_CFG_E820_ENTRY_SIZE bytes: per entry a u64 address, a u64 length
 * and a u32 type, little-endian, packed.  Returns the bytes written.
 */
size_t fw_cfg_e820_encode(const struct fw_cfg_e820_entry *e, size_t n,
			  uint8_t *out);

/* Encode n entries and add them as the file "etc/e820". */
int fw_cfg_add_e820(struct fw_cfg *fc, const struct fw_cfg_e820_entry *e,
		    size_t n);

#endif
