/*
 * test_disk.c: the block backend (backend/disk.c, disk_uring.c,
 * disk_thread.c) on image files under $TMPDIR (or /tmp), each I/O test
 * run once per engine (io_uring, worker threads): round trips with
 * several iovecs, many requests in flight and the queue-full refusal,
 * flush, discard and write-zeroes (blocks freed, zeros read back, the
 * fallback that writes zeroes), direct I/O with unaligned buffers (the
 * bounce), read-only refusals, errors from the file reaching the callback
 * (EFBIG through RLIMIT_FSIZE, EIO from a file shrunk under the disk),
 * queues on two threads, drain and destroy with requests in flight, the
 * flock refusals and the open errors.  A loop device (root only; skipped
 * otherwise, saying why) covers block devices: BLKGETSIZE64, BLKSSZGET at
 * 4096 bytes, BLKDISCARD.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/loop.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/disk.h"
#include "backend/disk_int.h"

#define MIB	    (1024u * 1024)
#define WAIT_MS	    20000 /* a lost wakeup fails the test, not hangs it */
#define TMPFS_MAGIC 0x01021994

static const enum disk_engine engine_uring = DISK_ENGINE_URING;
static const enum disk_engine engine_thread = DISK_ENGINE_THREAD;

struct fx {
	enum disk_engine engine;
	char dir[PATH_MAX];
	char path[PATH_MAX + 16]; /* dir/img */
	struct disk *d;
	struct disk_queue *q;
	char err[512];
};

/* One completion's record. */
struct done {
	int calls;
	int64_t res;
};

static void on_done(void *ctx, int64_t res)
{
	struct done *c = ctx;

	c->calls++;
	c->res = res;
}

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(fx);
	fx->engine =
		*state ? *(const enum disk_engine *)*state : DISK_ENGINE_THREAD;
	snprintf(fx->dir, sizeof(fx->dir), "%s/hyve-test-disk.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/img", fx->dir);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;
	char p[PATH_MAX + 300];
	struct dirent *e;
	DIR *dir;

	disk_queue_destroy(fx->q);
	disk_close(fx->d);
	dir = opendir(fx->dir);
	while (dir && (e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", fx->dir, e->d_name);
		unlink(p);
	}
	if (dir)
		closedir(dir);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* The byte at offset off of pattern seed. */
static uint8_t pat(uint64_t off, unsigned int seed)
{
	return (uint8_t)((off * 131 + seed * 7 + (off >> 9)) ^ (off >> 17));
}

static void fill(uint8_t *buf, size_t len, uint64_t off, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pat(off + i, seed);
}

/* An image of size bytes: holes, or the pattern written and synced. */
static void make_image(const char *path, uint64_t size, bool data)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	uint8_t *buf = malloc(MIB);

	assert_true(fd >= 0);
	assert_non_null(buf);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	for (uint64_t off = 0; data && off < size; off += MIB) {
		size_t n = size - off < MIB ? size - off : MIB;

		fill(buf, n, off, 1);
		assert_int_equal(pwrite(fd, buf, n, (off_t)off), (ssize_t)n);
	}
	assert_int_equal(fsync(fd), 0);
	assert_int_equal(close(fd), 0);
	free(buf);
}

/* Bytes of the file as a plain read sees them. */
static void file_read(const char *path, void *buf, size_t len, uint64_t off)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static uint64_t file_blocks(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_blocks;
}

static int open_disk(struct fx *fx, const char *path, bool readonly,
		     bool direct, unsigned int depth)
{
	struct disk_opts o = {
		.readonly = readonly,
		.direct = direct,
		.engine = fx->engine,
		.depth = depth,
	};
	int r;

	fx->err[0] = '\0';
	r = disk_open(&fx->d, path, &o, fx->err, sizeof(fx->err));
	if (r)
		return r;
	r = disk_queue_create(fx->d, &fx->q, fx->err, sizeof(fx->err));
	assert_int_equal(r, 0);
	assert_int_equal(disk_queue_engine(fx->q), fx->engine);
	return 0;
}

static void close_disk(struct fx *fx)
{
	disk_queue_destroy(fx->q);
	disk_close(fx->d);
	fx->q = NULL;
	fx->d = NULL;
}

/* Wait on the eventfd, as a device thread's loop would, until q is idle. */
static void wait_idle(struct disk_queue *q)
{
	struct pollfd p = { .fd = disk_queue_fd(q), .events = POLLIN };

	while (disk_queue_inflight(q) > 0) {
		assert_int_equal(poll(&p, 1, WAIT_MS), 1);
		disk_complete(q);
	}
	/*
	 * A level-triggered loop goes quiet.  A completion that came after
	 * disk_complete read the eventfd but before it reaped leaves the
	 * eventfd set: one more (empty) pass clears it.
	 */
	if (poll(&p, 1, 0) == 1)
		assert_int_equal(disk_complete(q), 0);
	assert_int_equal(poll(&p, 1, 0), 0);
}

/* One request to the end; returns its result. */
static int64_t run_read(struct fx *fx, uint64_t off, void *buf, size_t len)
{
	struct iovec v = { buf, len };
	struct done c = { 0 };

	assert_int_equal(disk_read(fx->q, off, &v, 1, on_done, &c), 0);
	wait_idle(fx->q);
	assert_int_equal(c.calls, 1);
	return c.res;
}

static int64_t run_write(struct fx *fx, uint64_t off, const void *buf,
			 size_t len)
{
	struct iovec v = { (void *)buf, len };
	struct done c = { 0 };

	assert_int_equal(disk_write(fx->q, off, &v, 1, on_done, &c), 0);
	wait_idle(fx->q);
	assert_int_equal(c.calls, 1);
	return c.res;
}

static int64_t run_flush(struct fx *fx)
{
	struct done c = { 0 };

	assert_int_equal(disk_flush(fx->q, on_done, &c), 0);
	wait_idle(fx->q);
	assert_int_equal(c.calls, 1);
	return c.res;
}

static int64_t run_discard(struct fx *fx, uint64_t off, uint64_t len)
{
	struct done c = { 0 };

	assert_int_equal(disk_discard(fx->q, off, len, on_done, &c), 0);
	wait_idle(fx->q);
	assert_int_equal(c.calls, 1);
	return c.res;
}

static int64_t run_zeroes(struct fx *fx, uint64_t off, uint64_t len, bool unmap)
{
	struct done c = { 0 };

	assert_int_equal(disk_write_zeroes(fx->q, off, len, unmap, on_done, &c),
			 0);
	wait_idle(fx->q);
	assert_int_equal(c.calls, 1);
	return c.res;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Check len bytes at off read back (through the disk) as pattern seed. */
static void expect_pattern(struct fx *fx, uint64_t off, size_t len,
			   unsigned int seed)
{
	uint8_t *got = malloc(len), *want = malloc(len);

	assert_non_null(got);
	assert_non_null(want);
	fill(want, len, off, seed);
	assert_int_equal(run_read(fx, off, got, len), (int64_t)len);
	assert_memory_equal(got, want, len);
	free(got);
	free(want);
}

/* Read/write ----------------------------------------------------------- */

static void test_roundtrip(void **state)
{
	struct fx *fx = *state;
	uint8_t src[8192], dst[8192], file[8192];
	struct iovec w[4], r[3];
	struct done cw = { 0 }, cr = { 0 };
	const struct disk_info *in;

	make_image(fx->path, 1 * MIB, false);
	assert_int_equal(open_disk(fx, fx->path, false, false, 0), 0);
	in = disk_get_info(fx->d);
	assert_int_equal(in->size, MIB);
	assert_int_equal(in->sectors, MIB / 512);
	assert_int_equal(in->block_size, 512);
	assert_false(in->readonly);
	assert_false(in->blockdev);
	assert_true(in->discard);

	/* Four iovecs of odd lengths, one of them empty. */
	fill(src, sizeof(src), 4096 + 512, 2);
	w[0] = (struct iovec){ src, 100 };
	w[1] = (struct iovec){ NULL, 0 };
	w[2] = (struct iovec){ src + 100, 5000 };
	w[3] = (struct iovec){ src + 5100, 8192 - 5100 };
	assert_int_equal(disk_write(fx->q, 4096 + 512, w, 4, on_done, &cw), 0);
	/* The caller's array may change at once: the backend has a copy. */
	memset(w, 0, sizeof(w));
	assert_int_equal(cw.calls, 0); /* never from inside the submission */
	assert_int_equal(disk_queue_inflight(fx->q), 1);
	wait_idle(fx->q);
	assert_int_equal(cw.calls, 1);
	assert_int_equal(cw.res, 8192);
	assert_int_equal(disk_queue_inflight(fx->q), 0);

	memset(dst, 0xee, sizeof(dst));
	r[0] = (struct iovec){ dst, 7 };
	r[1] = (struct iovec){ dst + 7, 4089 };
	r[2] = (struct iovec){ dst + 4096, 4096 };
	assert_int_equal(disk_read(fx->q, 4096 + 512, r, 3, on_done, &cr), 0);
	wait_idle(fx->q);
	assert_int_equal(cr.calls, 1);
	assert_int_equal(cr.res, 8192);
	assert_memory_equal(dst, src, sizeof(dst));

	/* And the bytes are in the file where they belong. */
	file_read(fx->path, file, sizeof(file), 4096 + 512);
	assert_memory_equal(file, src, sizeof(file));
	file_read(fx->path, file, 512, 4096);
	assert_true(all_zero(file, 512));

	/* The last byte of the disk, and a read of all of it. */
	assert_int_equal(run_write(fx, MIB - 1, "Z", 1), 1);
	uint8_t *all = malloc(MIB);
	assert_non_null(all);
	assert_int_equal(run_read(fx, 0, all, MIB), MIB);
	assert_int_equal(all[MIB - 1], 'Z');
	assert_memory_equal(all + 4096 + 512, src, sizeof(src));
	free(all);
}

struct many {
	struct done c[DISK_DEPTH_DEFAULT];
	uint8_t buf[DISK_DEPTH_DEFAULT][4096];
};

static void test_many_inflight(void **state)
{
	struct fx *fx = *state;
	const unsigned int n = DISK_DEPTH_DEFAULT;
	struct many *m = calloc(1, sizeof(*m));
	struct done extra = { 0 };
	uint8_t want[4096];
	struct iovec v;

	assert_non_null(m);
	make_image(fx->path, 2 * MIB, false);
	assert_int_equal(open_disk(fx, fx->path, false, false, 0), 0);

	/* A whole queue of writes, in reverse order of offset. */
	for (unsigned int i = 0; i < n; i++) {
		uint64_t off = (uint64_t)(n - 1 - i) * 8192;

		fill(m->buf[i], 4096, off, 3);
		v = (struct iovec){ m->buf[i], 4096 };
		assert_int_equal(
			disk_write(fx->q, off, &v, 1, on_done, &m->c[i]), 0);
	}
	assert_int_equal(disk_queue_inflight(fx->q), n);
	/* Full: refused, untouched, and no callback for it ever. */
	v = (struct iovec){ want, 4096 };
	assert_int_equal(disk_write(fx->q, 0, &v, 1, on_done, &extra), -EAGAIN);
	assert_int_equal(disk_flush(fx->q, on_done, &extra), -EAGAIN);
	assert_int_equal(disk_discard(fx->q, 0, 512, on_done, &extra), -EAGAIN);
	wait_idle(fx->q);
	assert_int_equal(extra.calls, 0);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(m->c[i].calls, 1);
		assert_int_equal(m->c[i].res, 4096);
	}

	/* A whole queue of reads. */
	memset(m, 0, sizeof(*m));
	for (unsigned int i = 0; i < n; i++) {
		v = (struct iovec){ m->buf[i], 4096 };
		assert_int_equal(disk_read(fx->q, (uint64_t)i * 8192, &v, 1,
					   on_done, &m->c[i]),
				 0);
	}
	wait_idle(fx->q);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(m->c[i].calls, 1);
		assert_int_equal(m->c[i].res, 4096);
		fill(want, 4096, (uint64_t)i * 8192, 3);
		assert_memory_equal(m->buf[i], want, 4096);
	}
	free(m);
}

/* A callback that submits the next request, as a device does when it
 * retries after -EAGAIN. */
struct chain {
	struct disk_queue *q;
	unsigned int left, done, errors;
	uint8_t buf[4][512];
	struct iovec v[4];
};

static void chain_done(void *ctx, int64_t res);

static void chain_next(struct chain *ch, unsigned int i)
{
	uint64_t off = (uint64_t)ch->left * 512;

	ch->left--;
	fill(ch->buf[i], 512, off, 4);
	ch->v[i] = (struct iovec){ ch->buf[i], 512 };
	if (disk_write(ch->q, off, &ch->v[i], 1, chain_done,
		       (void *)(uintptr_t)i) != 0)
		ch->errors++;
}

static struct chain *chain_cur;

static void chain_done(void *ctx, int64_t res)
{
	struct chain *ch = chain_cur;

	if (res != 512)
		ch->errors++;
	ch->done++;
	if (ch->left > 0)
		chain_next(ch, (unsigned int)(uintptr_t)ctx);
}

static void test_callback_submits(void **state)
{
	struct fx *fx = *state;
	struct chain ch = { .left = 400 };

	make_image(fx->path, MIB, false);
	assert_int_equal(open_disk(fx, fx->path, false, false, 4), 0);
	ch.q = fx->q;
	chain_cur = &ch;
	for (unsigned int i = 0; i < 4; i++)
		chain_next(&ch, i);
	assert_int_equal(ch.errors, 0);
	wait_idle(fx->q);
	assert_int_equal(ch.errors, 0);
	assert_int_equal(ch.done, 400);
	for (unsigned int s = 1; s <= 400; s += 57)
		expect_pattern(fx, (uint64_t)s * 512, 512, 4);
}

static void test_plug(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[3][4096];
	struct done c[3] = { 0 };
	struct iovec v[3];

	make_image(fx->path, MIB, true);
	assert_int_equal(open_disk(fx, fx->path, false, false, 0), 0);
	disk_plug(fx->q);
	disk_plug(fx->q); /* nested */
	for (unsigned int i = 0; i < 3; i++) {
		v[i] = (struct iovec){ buf[i], 4096 };
		assert_int_equal(
			disk_read(fx->q, i * 65536, &v[i], 1, on_done, &c[i]),
			0);
	}
	disk_unplug(fx->q);
	disk_unplug(fx->q);
	disk_unplug(fx->q); /* one too many: harmless */
	wait_idle(fx->q);
	for (unsigned int i = 0; i < 3; i++) {
		uint8_t want[4096];

		assert_int_equal(c[i].res, 4096);
		fill(want, 4096, i * 65536, 1);
		assert_memory_equal(buf[i], want, 4096);
	}
}

static void test_flush(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[4096], got[4096];

	make_image(fx->path, MIB, false);
	assert_int_equal(open_disk(fx, fx->path, false, false, 0), 0);
	fill(buf, sizeof(buf), 8192, 5);
	assert_int_equal(run_write(fx, 8192, buf, sizeof(buf)), 4096);
	assert_int_equal(run_flush(fx), 0);
	file_read(fx->path, got, sizeof(got), 8192);
	assert_memory_equal(got, buf, sizeof(got));
}

/* Discard and write-zeroes ------------------------------------------- */

static void test_discard(void **state)
{
	struct fx *fx = *state;
	uint64_t before, after;
	uint8_t *buf = malloc(MIB);
	int64_t r;
	int fd;

	assert_non_null(buf);
	make_image(fx->path, 4 * MIB, true);
	before = file_blocks(fx->path);
	assert_true(before >= 4 * MIB / 512);
	assert_int_equal(open_disk(fx, fx->path, false, false, 0), 0);
	r = run_discard(fx, MIB, MIB);
	if (r == -EOPNOTSUPP) {
		printf("skipped: %s cannot punch holes\n", fx->dir);
		free(buf);
		skip();
		return;
	}
	assert_int_equal(r, MIB);
	after = file_blocks(fx->path);
	assert_true(after + MIB / 512 <= before);
	fd = open(fx->path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(lseek(fd, MIB, SEEK_HOLE), MIB);
	assert_int_equal(lseek(fd, MIB, SEEK_DATA), 2 * MIB);
	close(fd);
	assert_int_equal(run_read(fx, MIB, buf, MIB), MIB);
	assert_true(all_zero(buf, MIB));
	/* The neighbours are untouched. */
	expect_pattern(fx, MIB - 4096, 4096, 1);
	expect_pattern(fx, 2 * MIB, 4096, 1);
	/* The size is kept. */
	assert_int_equal(disk_get_info(fx->d)->size, 4 * MIB);
	struct stat st;
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_size, 4 * MIB);
	free(buf);
}

static void test_write_zeroes(void **state)
{
	struct fx *fx = *state;
	uint8_t *buf = malloc(MIB);
	uint64_t before, after;

	assert_non_null(buf);
	make_image(fx->path, 4 * MIB, true);
	assert_int_equal(open_disk(fx, fx->path, false, false, 0), 0);

	/* Without unmap: ZERO_RANGE (or its fallbacks). */
	assert_int_equal(run_zeroes(fx, 512, 3000, false), 3000);
	assert_int_equal(run_read(fx, 0, buf, 8192), 8192);
	uint8_t want[512];
	fill(want, 512, 0, 1);
	assert_memory_equal(buf, want, 512);
	assert_true(all_zero(buf + 512, 3000));
	fill(want, 512, 3512, 1);
	assert_memory_equal(buf + 3512, want, 512);

	/* With unmap: the blocks may go, and here (PUNCH_HOLE) they do. */
	before = file_blocks(fx->path);
	assert_int_equal(run_zeroes(fx, 2 * MIB, MIB, true), MIB);
	after = file_blocks(fx->path);
	if (!fx->d->no_punch)
		assert_true(after + MIB / 512 <= before);
	assert_int_equal(run_read(fx, 2 * MIB, buf, MIB), MIB);
	assert_true(all_zero(buf, MIB));
	expect_pattern(fx, 3 * MIB, 4096, 1);
	free(buf);
}

/* Where no fallocate mode works, zeroes are written: many steps' worth. */
static void test_write_zeroes_fill(void **state)
{
	struct fx *fx = *state;
	const uint64_t off = 4096 + 512, len = 3 * MIB + 1536;
	uint8_t *buf = malloc(4 * MIB);

	assert_non_null(buf);
	make_image(fx->path, 4 * MIB, true);
	assert_int_equal(open_disk(fx, fx->path, false, false, 0), 0);
	fx->d->no_punch = true;
	fx->d->no_zero_range = true;
	assert_int_equal(run_zeroes(fx, off, len, true), (int64_t)len);
	file_read(fx->path, buf, 4 * MIB, 0);
	assert_true(all_zero(buf + off, len));
	for (uint64_t i = 0; i < off; i++)
		assert_int_equal(buf[i], pat(i, 1));
	for (uint64_t i = off + len; i < 4 * MIB; i++)
		assert_int_equal(buf[i], pat(i, 1));
	free(buf);
}

/* tmpfs has PUNCH_HOLE but no ZERO_RANGE: the real fallback. */
static void test_write_zeroes_tmpfs(void **state)
{
	struct fx *fx = *state;
	char path[64];
	struct statfs sf;
	uint8_t buf[65536];
	int fd;

	if (statfs("/dev/shm", &sf) < 0 || sf.f_type != TMPFS_MAGIC) {
		printf("skipped: /dev/shm is not a tmpfs\n");
		skip();
		return;
	}
	snprintf(path, sizeof(path), "/dev/shm/hyve-test-disk.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0) {
		printf("skipped: cannot create a file in /dev/shm\n");
		skip();
		return;
	}
	close(fd);
	make_image(path, MIB, true);
	assert_int_equal(open_disk(fx, path, false, false, 0), 0);
	assert_int_equal(run_zeroes(fx, 4096, 65536, false), 65536);
	assert_true(fx->d->no_zero_range); /* it did fall back */
	assert_int_equal(run_read(fx, 4096, buf, sizeof(buf)), sizeof(buf));
	assert_true(all_zero(buf, sizeof(buf)));
	expect_pattern(fx, 0, 4096, 1);
	expect_pattern(fx, 4096 + 65536, 4096, 1);
	close_disk(fx);
	unlink(path);
}

/* Refusals before submission ----------------------------------------- */

static void test_checks(void **state)
{
	struct fx *fx = *state;
	static struct iovec many[DISK_IOV_MAX + 1];
	uint8_t buf[1024];
	struct iovec v = { buf, 1024 };
	struct done c = { 0 };

	make_image(fx->path, MIB, false);
	assert_int_equal(open_disk(fx, fx->path, false, false, 0), 0);
	/* Past the end, across it, and a huge offset that would wrap. */
	assert_int_equal(disk_read(fx->q, MIB, &v, 1, on_done, &c), -ERANGE);
	assert_int_equal(disk_read(fx->q, MIB - 512, &v, 1, on_done, &c),
			 -ERANGE);
	assert_int_equal(disk_write(fx->q, UINT64_MAX - 10, &v, 1, on_done, &c),
			 -ERANGE);
	assert_int_equal(disk_discard(fx->q, MIB - 512, 1024, on_done, &c),
			 -ERANGE);
	assert_int_equal(
		disk_write_zeroes(fx->q, 2 * MIB, 512, false, on_done, &c),
		-ERANGE);
	/* Nothing to move, or too many pieces. */
	assert_int_equal(disk_read(fx->q, 0, &v, 0, on_done, &c), -EINVAL);
	assert_int_equal(disk_read(fx->q, 0, NULL, 1, on_done, &c), -EINVAL);
	v.iov_len = 0;
	assert_int_equal(disk_write(fx->q, 0, &v, 1, on_done, &c), -EINVAL);
	assert_int_equal(disk_discard(fx->q, 0, 0, on_done, &c), -EINVAL);
	for (unsigned int i = 0; i <= DISK_IOV_MAX; i++)
		many[i] = (struct iovec){ buf, 1 };
	assert_int_equal(
		disk_read(fx->q, 0, many, DISK_IOV_MAX + 1, on_done, &c),
		-EINVAL);
	/* Many iovecs (more than a slot holds) are fine. */
	assert_int_equal(disk_write(fx->q, 0, many, DISK_IOV_MAX, on_done, &c),
			 0);
	wait_idle(fx->q);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.res, DISK_IOV_MAX);
	assert_int_equal(disk_queue_inflight(fx->q), 0);
}

static void test_readonly(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[4096];
	struct iovec v = { buf, sizeof(buf) };
	struct done c = { 0 };

	make_image(fx->path, MIB, true);
	assert_int_equal(open_disk(fx, fx->path, true, false, 0), 0);
	assert_true(disk_get_info(fx->d)->readonly);
	assert_false(disk_get_info(fx->d)->discard);
	assert_int_equal(disk_write(fx->q, 0, &v, 1, on_done, &c), -EROFS);
	assert_int_equal(disk_discard(fx->q, 0, 4096, on_done, &c), -EROFS);
	assert_int_equal(disk_write_zeroes(fx->q, 0, 4096, true, on_done, &c),
			 -EROFS);
	assert_int_equal(disk_queue_inflight(fx->q), 0);
	expect_pattern(fx, 8192, 4096, 1);
	assert_int_equal(run_flush(fx), 0);
	assert_int_equal(c.calls, 0);

	/* Behind the check, the kernel refuses too: the fd is read-only. */
	fx->d->info.readonly = false;
	assert_int_equal(run_write(fx, 0, buf, sizeof(buf)), -EBADF);
	fx->d->info.readonly = true;
	expect_pattern(fx, 0, 4096, 1);
}

/* Errors from the file ------------------------------------------------ */

static void test_efbig(void **state)
{
	struct fx *fx = *state;
	const uint64_t limit = 16 * MIB;
	struct rlimit old, lim;
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldsa;
	uint8_t buf[8192], got[8192];
	int64_t r1, r2;

	make_image(fx->path, 32 * MIB, false);
	assert_int_equal(open_disk(fx, fx->path, false, false, 0), 0);
	fill(buf, sizeof(buf), limit - 4096, 6);

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = limit;
	assert_int_equal(sigaction(SIGXFSZ, &ign, &oldsa), 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	/* Beyond the limit: EFBIG.  Across it: a short write, then EFBIG. */
	r1 = run_write(fx, limit + MIB, buf, 4096);
	r2 = run_write(fx, limit - 4096, buf, sizeof(buf));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(sigaction(SIGXFSZ, &oldsa, NULL), 0);

	assert_int_equal(r1, -EFBIG);
	assert_int_equal(r2, -EFBIG);
	/* What fitted below the limit was written. */
	file_read(fx->path, got, sizeof(got), limit - 4096);
	assert_memory_equal(got, buf, 4096);
	assert_true(all_zero(got + 4096, 4096));
	/* The queue still works. */
	assert_int_equal(run_write(fx, limit + MIB, buf, 4096), 4096);
}

static void test_eio_shrunk(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[65536];

	make_image(fx->path, MIB, true);
	assert_int_equal(open_disk(fx, fx->path, false, false, 0), 0);
	/* Someone else cuts the file in half behind the disk's back. */
	assert_int_equal(truncate(fx->path, MIB / 2), 0);
	assert_int_equal(run_read(fx, MIB - 65536, buf, sizeof(buf)), -EIO);
	/* Across the new end: the first part, then no progress: EIO. */
	assert_int_equal(run_read(fx, MIB / 2 - 4096, buf, sizeof(buf)), -EIO);
	assert_int_equal(run_read(fx, 0, buf, 4096), 4096);
}

/* Direct I/O ------------------------------------------------------------ */

static void test_direct(void **state)
{
	struct fx *fx = *state;
	const size_t len = MIB + 8192; /* more than one bounce's worth */
	uint8_t *raw = malloc(len + 64), *src = raw + 3; /* unaligned */
	uint8_t *dst = malloc(len + 64), *file = malloc(len);
	void *al = NULL;
	const struct disk_info *in;
	struct iovec v[3];
	struct done c = { 0 };
	uint32_t bs;
	int r;

	assert_non_null(raw);
	assert_non_null(dst);
	assert_non_null(file);
	make_image(fx->path, 4 * MIB, false);
	r = open_disk(fx, fx->path, false, true, 0);
	if (r == -EINVAL && strstr(fx->err, "direct")) {
		printf("skipped: %s\n", fx->err);
		free(raw);
		free(dst);
		free(file);
		skip();
		return;
	}
	assert_int_equal(r, 0);
	in = disk_get_info(fx->d);
	assert_true(in->direct);
	bs = in->block_size;
	assert_true(bs >= 512 && !(bs & (bs - 1)));
	assert_true(in->mem_align > 0 &&
		    !(in->mem_align & (in->mem_align - 1)));

	/* Unaligned buffers, odd pieces: bounced, in several steps. */
	fill(src, len, 2 * bs, 7);
	v[0] = (struct iovec){ src, 1000 };
	v[1] = (struct iovec){ src + 1000, 333 };
	v[2] = (struct iovec){ src + 1333, len - 1333 };
	assert_int_equal(disk_write(fx->q, 2 * bs, v, 3, on_done, &c), 0);
	wait_idle(fx->q);
	assert_int_equal(c.res, (int64_t)len);
	assert_null(fx->q->free->bounce); /* freed with the slot */
	file_read(fx->path, file, len, 2 * bs);
	assert_memory_equal(file, src, len);

	memset(dst, 0, len + 64);
	v[0] = (struct iovec){ dst + 1, 7 };
	v[1] = (struct iovec){ dst + 8, len - 7 };
	assert_int_equal(disk_read(fx->q, 2 * bs, v, 2, on_done, &c), 0);
	wait_idle(fx->q);
	assert_int_equal(c.res, (int64_t)len);
	assert_memory_equal(dst + 1, src, len);

	/* Aligned buffers go straight. */
	assert_int_equal(posix_memalign(&al, 4096, 65536), 0);
	fill(al, 65536, 0, 8);
	assert_int_equal(run_write(fx, 0, al, 65536), 65536);
	memset(al, 0, 65536);
	assert_int_equal(run_read(fx, 0, al, 65536), 65536);
	fill(file, 65536, 0, 8);
	assert_memory_equal(al, file, 65536);

	/* Offsets and lengths must be whole blocks. */
	v[0] = (struct iovec){ al, 4096 };
	assert_int_equal(disk_read(fx->q, 100, v, 1, on_done, &c), -EINVAL);
	v[0].iov_len = bs + 1;
	assert_int_equal(disk_write(fx->q, 0, v, 1, on_done, &c), -EINVAL);
	assert_int_equal(
		disk_write_zeroes(fx->q, 512 + 1, bs, false, on_done, &c),
		-EINVAL);
	/* Write-zeroes and discard work too, and the fill fallback. */
	assert_int_equal(run_zeroes(fx, 0, 8192, false), 8192);
	fx->d->no_punch = fx->d->no_zero_range = true;
	assert_int_equal(run_zeroes(fx, 8192, 3 * bs, true), 3 * bs);
	memset(al, 0xff, 65536);
	assert_int_equal(run_read(fx, 0, al, 65536), 65536);
	assert_true(all_zero(al, 8192 + 3 * bs));
	free(al);
	free(raw);
	free(dst);
	free(file);
}

/* Queues on two threads ------------------------------------------------- */

struct worker {
	struct disk *d;
	unsigned int id;
	int failures;
	char err[256];
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct disk_queue *q;
	struct pollfd p;
	uint8_t buf[32][4096];
	struct done c[32];
	struct iovec v;

	if (disk_queue_create(w->d, &q, w->err, sizeof(w->err))) {
		w->failures++;
		return NULL;
	}
	p = (struct pollfd){ .fd = disk_queue_fd(q), .events = POLLIN };
	for (unsigned int round = 0; round < 8; round++) {
		memset(c, 0, sizeof(c));
		for (unsigned int i = 0; i < 32; i++) {
			uint64_t off =
				((uint64_t)w->id * 1024 + round * 32 + i) *
				4096;

			fill(buf[i], 4096, off, 9);
			v = (struct iovec){ buf[i], 4096 };
			if (disk_write(q, off, &v, 1, on_done, &c[i]))
				w->failures++;
		}
		while (disk_queue_inflight(q) > 0) {
			if (poll(&p, 1, WAIT_MS) != 1) {
				w->failures++;
				break;
			}
			disk_complete(q);
		}
		for (unsigned int i = 0; i < 32; i++)
			if (c[i].calls != 1 || c[i].res != 4096)
				w->failures++;
	}
	disk_queue_destroy(q);
	return NULL;
}

static void test_two_threads(void **state)
{
	struct fx *fx = *state;
	struct worker w[2] = { { .id = 0 }, { .id = 1 } };
	pthread_t t[2];

	make_image(fx->path, 8 * MIB, false);
	assert_int_equal(open_disk(fx, fx->path, false, false, 0), 0);
	for (int i = 0; i < 2; i++) {
		w[i].d = fx->d;
		assert_int_equal(
			pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	expect_pattern(fx, 0, 256 * 4096, 9);
	expect_pattern(fx, 1024 * 4096, 256 * 4096, 9);
}

/* Drain and destroy ------------------------------------------------------ */

static void test_drain_destroy(void **state)
{
	struct fx *fx = *state;
	static uint8_t buf[64][16384];
	struct done c[64] = { 0 };
	struct iovec v;

	make_image(fx->path, 4 * MIB, true);
	assert_int_equal(open_disk(fx, fx->path, false, false, 0), 0);
	disk_plug(fx->q);
	for (unsigned int i = 0; i < 64; i++) {
		v = (struct iovec){ buf[i], sizeof(buf[i]) };
		assert_int_equal(
			disk_read(fx->q, i * 16384ull, &v, 1, on_done, &c[i]),
			0);
	}
	/* Drain submits even under a plug, and runs every callback. */
	disk_drain(fx->q);
	disk_unplug(fx->q);
	assert_int_equal(disk_queue_inflight(fx->q), 0);
	for (unsigned int i = 0; i < 64; i++) {
		uint8_t want[16384];

		assert_int_equal(c[i].calls, 1);
		assert_int_equal(c[i].res, 16384);
		fill(want, sizeof(want), i * 16384ull, 1);
		assert_memory_equal(buf[i], want, sizeof(want));
	}

	/* Destroy with requests in flight: they finish, no callback runs. */
	memset(c, 0, sizeof(c));
	for (unsigned int i = 0; i < 64; i++) {
		v = (struct iovec){ buf[i], sizeof(buf[i]) };
		assert_int_equal(
			disk_write(fx->q, i * 16384ull, &v, 1, on_done, &c[i]),
			0);
	}
	assert_int_equal(disk_flush(fx->q, on_done, &c[0]), 0);
	disk_queue_destroy(fx->q);
	fx->q = NULL;
	for (unsigned int i = 0; i < 64; i++)
		assert_int_equal(c[i].calls, 0);
}

/* Block devices ----------------------------------------------------------- */

/* A loop device over a new file, 4096-byte blocks, gone on last close. */
static int loop_attach(const char *backing, char *dev, size_t devlen)
{
	struct loop_config cfg = { .block_size = 4096 };
	int ctl, lfd = -1, bfd, n;

	if (geteuid() != 0)
		return -EPERM;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	bfd = open(backing, O_RDWR | O_CLOEXEC);
	assert_true(bfd >= 0);
	cfg.fd = (uint32_t)bfd;
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	for (int tries = 0; tries < 8; tries++) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			break;
		snprintf(dev, devlen, "/dev/loop%d", n);
		lfd = open(dev, O_RDWR | O_CLOEXEC);
		if (lfd < 0)
			break;
		if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0)
			break;
		close(lfd); /* taken meanwhile by someone else: again */
		lfd = -1;
	}
	close(bfd);
	close(ctl);
	return lfd < 0 ? -ENODEV : lfd;
}

static void test_blockdev(void **state)
{
	struct fx *fx = *state;
	char dev[32];
	const struct disk_info *in;
	uint8_t *raw = malloc(65536 + 8), *buf = raw + 1;
	uint8_t *got = malloc(65536);
	struct disk *second;
	struct iovec v;
	struct done c = { 0 };
	uint64_t before;
	int lfd, r;

	assert_non_null(raw);
	assert_non_null(got);
	make_image(fx->path, 8 * MIB, true);
	lfd = loop_attach(fx->path, dev, sizeof(dev));
	if (lfd < 0) {
		printf("skipped: no loop device (%s; needs root and "
		       "/dev/loop-control)\n",
		       strerror(-lfd));
		free(raw);
		free(got);
		skip();
		return;
	}
	r = open_disk(fx, dev, false, true, 0);
	assert_int_equal(r, 0);
	in = disk_get_info(fx->d);
	assert_true(in->blockdev);
	assert_int_equal(in->size, 8 * MIB);
	assert_int_equal(in->sectors, 8 * MIB / 512);
	assert_int_equal(in->block_size, 4096); /* BLKSSZGET */
	assert_true(in->phys_block_size >= 4096);

	/* A second writer is refused on a block device too. */
	assert_int_equal(
		disk_open(&second, dev, NULL, fx->err, sizeof(fx->err)),
		-EWOULDBLOCK);
	assert_non_null(strstr(fx->err, "in use by another process"));

	/* Direct I/O through unaligned buffers, whole 4096-byte blocks. */
	expect_pattern(fx, 3 * 4096, 8192, 1);
	fill(buf, 65536, MIB, 10);
	assert_int_equal(run_write(fx, MIB, buf, 65536), 65536);
	assert_int_equal(run_flush(fx), 0);
	file_read(fx->path, got, 65536, MIB);
	assert_memory_equal(got, buf, 65536);
	v = (struct iovec){ buf, 4096 };
	assert_int_equal(disk_read(fx->q, 512, &v, 1, on_done, &c), -EINVAL);
	v.iov_len = 512;
	assert_int_equal(disk_read(fx->q, 0, &v, 1, on_done, &c), -EINVAL);

	/* Discard (BLKDISCARD) and write-zeroes, whole blocks only. */
	assert_int_equal(disk_discard(fx->q, 512, 4096, on_done, &c), -EINVAL);
	assert_int_equal(
		disk_write_zeroes(fx->q, 4096, 512, false, on_done, &c),
		-EINVAL);
	if (in->discard) {
		before = file_blocks(fx->path);
		assert_int_equal(run_discard(fx, 2 * MIB, MIB), MIB);
		/* The loop driver punches its file's blocks out. */
		assert_true(file_blocks(fx->path) + MIB / 512 <= before);
		assert_int_equal(run_read(fx, 2 * MIB, got, 65536), 65536);
		assert_true(all_zero(got, 65536));
	} else {
		printf("note: %s cannot discard\n", dev);
		assert_int_equal(disk_discard(fx->q, 0, 4096, on_done, &c),
				 -EOPNOTSUPP);
	}
	assert_int_equal(run_zeroes(fx, 4 * MIB, 65536, false), 65536);
	assert_int_equal(run_zeroes(fx, 5 * MIB, 65536, true), 65536);
	assert_int_equal(run_read(fx, 4 * MIB, got, 65536), 65536);
	assert_true(all_zero(got, 65536));
	assert_int_equal(run_read(fx, 5 * MIB, got, 65536), 65536);
	assert_true(all_zero(got, 65536));
	expect_pattern(fx, 4 * MIB + 65536, 4096, 1);
	assert_int_equal(c.calls, 0);
	close_disk(fx);
	free(raw);
	free(got);
	close(lfd);
}

/* Open and lock (engine-independent) ------------------------------------ */

static void test_lock(void **state)
{
	struct fx *fx = *state;
	const struct disk_opts ro = { .readonly = true };
	struct disk *a = NULL, *b = NULL, *c = NULL;
	char err[512];

	make_image(fx->path, MIB, false);
	assert_int_equal(disk_open(&a, fx->path, NULL, err, sizeof(err)), 0);
	err[0] = '\0';
	assert_int_equal(disk_open(&b, fx->path, NULL, err, sizeof(err)),
			 -EWOULDBLOCK);
	assert_null(b);
	assert_non_null(strstr(err, fx->path));
	assert_non_null(strstr(err, ": in use by another process"));
	assert_null(strchr(err, '\n'));
	/* A reader beside a writer: refused too. */
	assert_int_equal(disk_open(&b, fx->path, &ro, err, sizeof(err)),
			 -EWOULDBLOCK);
	disk_close(a);
	/* Readers share; a writer beside them is refused. */
	assert_int_equal(disk_open(&a, fx->path, &ro, err, sizeof(err)), 0);
	assert_int_equal(disk_open(&b, fx->path, &ro, err, sizeof(err)), 0);
	assert_int_equal(disk_open(&c, fx->path, NULL, err, sizeof(err)),
			 -EWOULDBLOCK);
	disk_close(a);
	disk_close(b);
	/* Closed: the lock went with it. */
	assert_int_equal(disk_open(&c, fx->path, NULL, err, sizeof(err)), 0);
	disk_close(c);
}

/* Expect disk_open to fail with rc and a line containing what. */
static void expect_open_err(const char *path, const struct disk_opts *o, int rc,
			    const char *what)
{
	struct disk *d = (struct disk *)1;
	char err[512] = "";

	assert_int_equal(disk_open(&d, path, o, err, sizeof(err)), rc);
	assert_null(d);
	if (!strstr(err, what) || strncmp(err, path, strlen(path)) ||
	    strchr(err, '\n'))
		fail_msg("%s: got \"%s\", want \"%s: ...%s...\"", path, err,
			 path, what);
}

static void test_open_errors(void **state)
{
	struct fx *fx = *state;
	const struct disk_opts ro = { .readonly = true };
	const struct disk_opts deep = { .depth = DISK_DEPTH_MAX + 1 };
	char p[PATH_MAX + 32];

	snprintf(p, sizeof(p), "%s/missing", fx->dir);
	expect_open_err(p, NULL, -ENOENT, "No such file or directory");
	expect_open_err(fx->dir, NULL, -EISDIR, "is a directory");
	expect_open_err(fx->dir, &ro, -EISDIR, "is a directory");
	expect_open_err("/dev/null", NULL, -EINVAL,
			"not a regular file or block device");
	snprintf(p, sizeof(p), "%s/fifo", fx->dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	expect_open_err(p, &ro, -EINVAL, "not a regular file or block device");
	expect_open_err(p, NULL, -EINVAL, "not a regular file or block device");

	snprintf(p, sizeof(p), "%s/empty", fx->dir);
	make_image(p, 0, false);
	expect_open_err(p, NULL, -EINVAL, "empty");
	snprintf(p, sizeof(p), "%s/odd", fx->dir);
	make_image(p, 1000, false);
	expect_open_err(p, NULL, -EINVAL,
			"size 1000 is not a multiple of 512 bytes");
	make_image(fx->path, MIB, false);
	expect_open_err(fx->path, &deep, -EINVAL, "queue depth");

	/* A bad engine in the environment is bad input, not a fallback. */
	setenv(DISK_ENGINE_ENV, "fast", 1);
	struct disk *d = NULL;
	char err[256];
	assert_int_equal(disk_open(&d, fx->path, NULL, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, DISK_ENGINE_ENV
			    "=fast: expected uring, thread or auto");
	unsetenv(DISK_ENGINE_ENV);
}

/* Permission: as root, in a child that has become nobody. */
static void test_open_permission(void **state)
{
	struct fx *fx = *state;
	const struct disk_opts ro = { .readonly = true };
	int status;
	pid_t pid;

	make_image(fx->path, MIB, false);
	assert_int_equal(chmod(fx->path, 0444), 0);
	if (geteuid() != 0) {
		expect_open_err(fx->path, NULL, -EACCES,
				"cannot open for writing: Permission denied");
		assert_int_equal(chmod(fx->path, 0), 0);
		expect_open_err(fx->path, &ro, -EACCES, "Permission denied");
		return;
	}
	assert_int_equal(chmod(fx->dir, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct disk *d;
		char err[512];
		int r1, r2;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		r1 = disk_open(&d, fx->path, NULL, err, sizeof(err));
		if (r1 != -EACCES ||
		    !strstr(err, "cannot open for writing: Permission denied"))
			_exit(11);
		r2 = disk_open(&d, fx->path, &ro, err, sizeof(err));
		if (r2 != 0)
			_exit(12);
		disk_close(d);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_engine_env(void **state)
{
	struct fx *fx = *state;
	struct disk_queue *q;
	char err[256];

	make_image(fx->path, MIB, false);
	setenv(DISK_ENGINE_ENV, "thread", 1);
	assert_int_equal(disk_open(&fx->d, fx->path, NULL, err, sizeof(err)),
			 0);
	unsetenv(DISK_ENGINE_ENV);
	assert_int_equal(disk_queue_create(fx->d, &q, err, sizeof(err)), 0);
	assert_int_equal(disk_queue_engine(q), DISK_ENGINE_THREAD);
	disk_queue_destroy(q);
	disk_close(fx->d);
	fx->d = NULL;
	/* AUTO on this host (io_uring enabled) picks io_uring. */
	assert_int_equal(disk_open(&fx->d, fx->path, NULL, err, sizeof(err)),
			 0);
	assert_int_equal(disk_queue_create(fx->d, &q, err, sizeof(err)), 0);
	assert_int_equal(disk_queue_engine(q), DISK_ENGINE_URING);
	assert_string_equal(disk_engine_name(disk_queue_engine(q)), "io_uring");
	disk_queue_destroy(q);
}

/*
 * Where seccomp refuses io_uring_setup (as a sandbox may), AUTO falls back
 * to worker threads and I/O works; a demand for io_uring fails in one
 * line.  In a child, since a filter cannot be taken off.
 */
static int child_fallback(const char *path)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]),
				   .filter = f };
	const struct disk_opts uring = { .engine = DISK_ENGINE_URING };
	struct pollfd p = { .events = POLLIN };
	struct disk_queue *q;
	struct disk *d;
	char err[512], buf[4096] = "hello", got[4096];
	struct iovec v = { buf, sizeof(buf) };
	struct done c = { 0 };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return 10;
	if (disk_open(&d, path, &uring, err, sizeof(err)))
		return 11;
	if (disk_queue_create(d, &q, err, sizeof(err)) != -ENOSYS ||
	    !strstr(err, ": io_uring: Function not implemented"))
		return 12;
	disk_close(d);
	if (disk_open(&d, path, NULL, err, sizeof(err)) ||
	    disk_queue_create(d, &q, err, sizeof(err)))
		return 13;
	if (disk_queue_engine(q) != DISK_ENGINE_THREAD)
		return 14;
	p.fd = disk_queue_fd(q);
	if (disk_write(q, 4096, &v, 1, on_done, &c))
		return 15;
	while (disk_queue_inflight(q) > 0)
		if (poll(&p, 1, WAIT_MS) != 1 || !disk_complete(q))
			return 16;
	v.iov_base = got;
	if (c.res != 4096 || disk_read(q, 4096, &v, 1, on_done, &c))
		return 17;
	disk_drain(q);
	if (c.calls != 2 || c.res != 4096 || memcmp(got, buf, sizeof(buf)))
		return 18;
	disk_queue_destroy(q);
	disk_close(d);
	return 0;
}

static void test_auto_fallback(void **state)
{
	struct fx *fx = *state;
	int status;
	pid_t pid;

	make_image(fx->path, MIB, false);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_fallback(fx->path));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Each I/O test twice, named after its engine. */
#define ON(f, e, name)                                                         \
	{                                                                      \
		name, f, fx_setup, fx_teardown, (void *)&e                     \
	}
#define BOTH(f)                                                                \
	ON(f, engine_uring, #f "/io_uring"), ON(f, engine_thread, #f "/thread")
#define ONCE(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_roundtrip),
		BOTH(test_many_inflight),
		BOTH(test_callback_submits),
		BOTH(test_plug),
		BOTH(test_flush),
		BOTH(test_discard),
		BOTH(test_write_zeroes),
		BOTH(test_write_zeroes_fill),
		BOTH(test_write_zeroes_tmpfs),
		BOTH(test_checks),
		BOTH(test_readonly),
		BOTH(test_efbig),
		BOTH(test_eio_shrunk),
		BOTH(test_direct),
		BOTH(test_two_threads),
		BOTH(test_drain_destroy),
		BOTH(test_blockdev),
		ONCE(test_lock),
		ONCE(test_open_errors),
		ONCE(test_open_permission),
		ONCE(test_engine_env),
		ONCE(test_auto_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
