/*
 * fw_cfg.c: QEMU's fw_cfg device, traditional I/O-port interface.  See
 * fw_cfg.h for the interface and what is emulated.
 *
 * Items live in one unsorted array; a selector write looks its key up once
 * and remembers the index (items are never removed, so it stays valid), and
 * each data read hands out the next byte.  FILE_DIR is kept as a ready-made
 * byte image, rebuilt whenever a file is added.
 */
#include "hw/fw_cfg.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FW_CFG_DIR_ENTRY_SIZE (4 + 2 + 2 + FW_CFG_MAX_FILE_PATH)

/* fc->cur values besides an index into fc->items. */
#define CUR_NONE (-1)
#define CUR_DIR	 (-2)

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The index of the item with key k, or CUR_NONE.  fc->lock held. */
static int fw_cfg_find(const struct fw_cfg *fc, uint16_t k)
{
	if (k == FW_CFG_FILE_DIR)
		return CUR_DIR;
	for (unsigned int i = 0; i < fc->nitems; i++)
		if (fc->items[i].key == k)
			return (int)i;
	return CUR_NONE;
}

static void fw_cfg_select(struct fw_cfg *fc, uint16_t key)
{
	fc->key = key & (uint16_t)~FW_CFG_WRITE_CHANNEL;
	fc->cur = fw_cfg_find(fc, fc->key);
	fc->offset = 0;
}

static uint8_t fw_cfg_next_byte(struct fw_cfg *fc)
{
	const uint8_t *data = NULL;
	uint32_t len = 0;

	if (fc->cur == CUR_DIR) {
		data = fc->dir;
		len = fc->dir_len;
	} else if (fc->cur >= 0 && (unsigned int)fc->cur < fc->nitems) {
		data = fc->items[fc->cur].data;
		len = fc->items[fc->cur].len;
	}
	/* Past the end the offset stays put: it cannot wrap. */
	if (!data || fc->offset >= len)
		return 0;
	return data[fc->offset++];
}

static void fw_cfg_read(struct iobus_dev *dev, uint64_t offset,
			unsigned int size, uint64_t *val)
{
	struct fw_cfg *fc = (struct fw_cfg *)dev;

	(void)size;
	/* The selector is write-only: reading it reads 0. */
	if (offset != FW_CFG_PORT_DATA - FW_CFG_PORT_SEL) {
		*val = 0;
		return;
	}
	pthread_mutex_lock(&fc->lock);
	*val = fw_cfg_next_byte(fc);
	pthread_mutex_unlock(&fc->lock);
}

static void fw_cfg_write(struct iobus_dev *dev, uint64_t offset,
			 unsigned int size, uint64_t val)
{
	struct fw_cfg *fc = (struct fw_cfg *)dev;

	/* Data writes (offset 1) are ignored: no item is writable. */
	if (offset != 0 || size == 0)
		return;
	pthread_mutex_lock(&fc->lock);
	fw_cfg_select(fc, (uint16_t)(size == 1 ? val & 0xff : val & 0xffff));
	pthread_mutex_unlock(&fc->lock);
}

static const struct iobus_ops fw_cfg_ops = {
	.read = fw_cfg_read,
	.write = fw_cfg_write,
};

static int cmp_by_name(const void *a, const void *b)
{
	const struct fw_cfg_item *x = *(const struct fw_cfg_item *const *)a;
	const struct fw_cfg_item *y = *(const struct fw_cfg_item *const *)b;

	return strcmp(x->name, y->name);
}

/* Rebuild FILE_DIR from the items; fc->lock held.  0 or -ENOMEM. */
static int fw_cfg_build_dir(struct fw_cfg *fc)
{
	const struct fw_cfg_item **files;
	uint32_t len = 4 + fc->nfiles * FW_CFG_DIR_ENTRY_SIZE;
	unsigned int n = 0;
	uint8_t *dir, *p;

	files = calloc(fc->nfiles ? fc->nfiles : 1, sizeof(*files));
	dir = calloc(1, len);
	if (!files || !dir) {
		free(files);
		free(dir);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < fc->nitems && n < fc->nfiles; i++)
		if (fc->items[i].name[0])
			files[n++] = &fc->items[i];
	qsort(files, n, sizeof(*files), cmp_by_name);
	put_be32(dir, n);
	p = dir + 4;
	for (unsigned int i = 0; i < n; i++, p += FW_CFG_DIR_ENTRY_SIZE) {
		put_be32(p, files[i]->len);
		put_be16(p + 4, files[i]->key);
		/* p + 6: reserved, 0; the name is NUL-padded by calloc. */
		memcpy(p + 8, files[i]->name, strlen(files[i]->name));
	}
	free(files);
	free(fc->dir);
	fc->dir = dir;
	fc->dir_len = 4 + n * FW_CFG_DIR_ENTRY_SIZE;
	return 0;
}

/*
 * Make the item key (with name, "" for a numbered one) hold a copy of data;
 * adds it if new.  fc->lock held.  *added says whether it was new.
 */
static int fw_cfg_put(struct fw_cfg *fc, uint16_t key, const char *name,
		      const void *data, size_t len, bool *added)
{
	int at = fw_cfg_find(fc, key);
	uint8_t *copy = NULL;

	*added = false;
	if (len > FW_CFG_MAX_ITEM_SIZE)
		return -E2BIG;
	if (len) {
		copy = malloc(len);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, data, len);
	}
	if (at < 0) {
		if (fc->nitems == fc->cap) {
			unsigned int cap = fc->cap ? 2 * fc->cap : 16;
			struct fw_cfg_item *items;

			items = realloc(fc->items, cap * sizeof(*items));
			if (!items) {
				free(copy);
				return -ENOMEM;
			}
			fc->items = items;
			fc->cap = cap;
		}
		at = (int)fc->nitems++;
		memset(&fc->items[at], 0, sizeof(fc->items[at]));
		fc->items[at].key = key;
		strcpy(fc->items[at].name, name);
		*added = true;
	}
	free(fc->items[at].data);
	fc->items[at].data = copy;
	fc->items[at].len = (uint32_t)len;
	/* A selected item that was just added or replaced reads from here. */
	if (fc->key == key)
		fc->cur = at;
	return 0;
}

int fw_cfg_init(struct fw_cfg *fc)
{
	static const uint8_t sig[4] = { 'Q', 'E', 'M', 'U' };
	uint8_t id[4];
	int err;

	memset(fc, 0, sizeof(*fc));
	fc->dev = (struct iobus_dev){ .name = "fw-cfg", .ops = &fw_cfg_ops };
	pthread_mutex_init(&fc->lock, NULL);
	put_le(id, FW_CFG_ID_TRADITIONAL, 4);
	/* Nobody else can see fc yet; the lock is for form's sake. */
	pthread_mutex_lock(&fc->lock);
	err = fw_cfg_build_dir(fc);
	if (!err) {
		bool added;

		err = fw_cfg_put(fc, FW_CFG_SIGNATURE, "", sig, sizeof(sig),
				 &added);
		if (!err)
			err = fw_cfg_put(fc, FW_CFG_ID, "", id, sizeof(id),
					 &added);
	}
	fw_cfg_select(fc, FW_CFG_SIGNATURE);
	pthread_mutex_unlock(&fc->lock);
	if (err)
		fw_cfg_destroy(fc);
	return err;
}

void fw_cfg_destroy(struct fw_cfg *fc)
{
	for (unsigned int i = 0; i < fc->nitems; i++)
		free(fc->items[i].data);
	free(fc->items);
	free(fc->dir);
	fc->items = NULL;
	fc->dir = NULL;
	fc->nitems = fc->cap = fc->nfiles = 0;
	fc->dir_len = 0;
	fc->cur = CUR_NONE;
	pthread_mutex_destroy(&fc->lock);
}

int fw_cfg_add_bytes(struct fw_cfg *fc, uint16_t key, const void *data,
		     size_t len)
{
	bool added;
	int err;

	if (key == FW_CFG_SIGNATURE || key == FW_CFG_ID ||
	    key == FW_CFG_FILE_DIR || (key & FW_CFG_WRITE_CHANNEL) ||
	    (key >= FW_CFG_FILE_FIRST && key < FW_CFG_WRITE_CHANNEL))
		return -EINVAL;
	if (len && !data)
		return -EINVAL;
	pthread_mutex_lock(&fc->lock);
	err = fw_cfg_put(fc, key, "", data, len, &added);
	pthread_mutex_unlock(&fc->lock);
	return err;
}

int fw_cfg_add_u16(struct fw_cfg *fc, uint16_t key, uint16_t val)
{
	uint8_t b[2];

	put_le(b, val, sizeof(b));
	return fw_cfg_add_bytes(fc, key, b, sizeof(b));
}

int fw_cfg_add_u32(struct fw_cfg *fc, uint16_t key, uint32_t val)
{
	uint8_t b[4];

	put_le(b, val, sizeof(b));
	return fw_cfg_add_bytes(fc, key, b, sizeof(b));
}

int fw_cfg_add_u64(struct fw_cfg *fc, uint16_t key, uint64_t val)
{
	uint8_t b[8];

	put_le(b, val, sizeof(b));
	return fw_cfg_add_bytes(fc, key, b, sizeof(b));
}

int fw_cfg_set_cpus(struct fw_cfg *fc, uint16_t nb_cpus, uint16_t max_cpus)
{
	int err = fw_cfg_add_u16(fc, FW_CFG_NB_CPUS, nb_cpus);

	return err ? err : fw_cfg_add_u16(fc, FW_CFG_MAX_CPUS, max_cpus);
}

int fw_cfg_set_ram_size(struct fw_cfg *fc, uint64_t bytes)
{
	return fw_cfg_add_u64(fc, FW_CFG_RAM_SIZE, bytes);
}

int fw_cfg_set_cmdline(struct fw_cfg *fc, const char *cmdline)
{
	size_t len = strlen(cmdline) + 1;
	int err;

	if (len > FW_CFG_MAX_ITEM_SIZE)
		return -E2BIG;
	err = fw_cfg_add_u32(fc, FW_CFG_CMDLINE_SIZE, (uint32_t)len);
	return err ? err
		   : fw_cfg_add_bytes(fc, FW_CFG_CMDLINE_DATA, cmdline, len);
}

int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data,
		    size_t len, uint16_t *key)
{
	size_t nlen = strlen(name);
	uint16_t k;
	bool added;
	int err = 0;

	if (nlen == 0 || nlen >= FW_CFG_MAX_FILE_PATH)
		return -EINVAL;
	if (len && !data)
		return -EINVAL;
	pthread_mutex_lock(&fc->lock);
	for (unsigned int i = 0; i < fc->nitems && !err; i++)
		if (!strcmp(fc->items[i].name, name))
			err = -EEXIST;
	if (!err && fc->nfiles >= FW_CFG_MAX_FILES)
		err = -ENOSPC;
	if (err)
		goto out;
	k = (uint16_t)(FW_CFG_FILE_FIRST + fc->nfiles);
	err = fw_cfg_put(fc, k, name, data, len, &added);
	if (err)
		goto out;
	fc->nfiles++;
	err = fw_cfg_build_dir(fc);
	if (err) {
		/* Take the file back out: it is the last item. */
		fc->nfiles--;
		fc->nitems--;
		free(fc->items[fc->nitems].data);
		if (fc->cur == (int)fc->nitems)
			fc->cur = CUR_NONE;
		goto out;
	}
	if (key)
		*key = k;
out:
	pthread_mutex_unlock(&fc->lock);
	return err;
}

size_t fw_cfg_e820_encode(const struct fw_cfg_e820_entry *e, size_t n,
			  uint8_t *out)
{
	for (size_t i = 0; i < n; i++, out += FW_CFG_E820_ENTRY_SIZE) {
		put_le(out, e[i].addr, 8);
		put_le(out + 8, e[i].len, 8);
		put_le(out + 16, e[i].type, 4);
	}
	return n * FW_CFG_E820_ENTRY_SIZE;
}

int fw_cfg_add_e820(struct fw_cfg *fc, const struct fw_cfg_e820_entry *e,
		    size_t n)
{
	uint8_t *buf;
	size_t len;
	int err;

	if (n > FW_CFG_MAX_ITEM_SIZE / FW_CFG_E820_ENTRY_SIZE)
		return -E2BIG;
	buf = malloc(n ? n * FW_CFG_E820_ENTRY_SIZE : 1);
	if (!buf)
		return -ENOMEM;
	len = fw_cfg_e820_encode(e, n, buf);
	err = fw_cfg_add_file(fc, "etc/e820", buf, len, NULL);
	free(buf);
	return err;
}
