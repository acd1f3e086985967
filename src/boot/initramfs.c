/* initramfs.c: reading and decompressing initramfs images.  See initramfs.h. */
#include "boot/initramfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/decompress.h"

static int initramfs_slurp(const char *path, void **buf, size_t *len, char *err,
			   size_t errlen)
{
	/* O_NONBLOCK: a FIFO is refused below, not waited on here. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), r = 0;
	struct stat st;
	size_t done = 0;
	uint8_t *p = NULL;

	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "--initramfs %s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		snprintf(err, errlen, "--initramfs %s: not a regular file",
			 path);
		goto out;
	}
	if ((uint64_t)st.st_size > INITRAMFS_MAX) {
		r = -EFBIG;
		snprintf(err, errlen, "--initramfs %s: larger than %llu MiB",
			 path, INITRAMFS_MAX >> 20);
		goto out;
	}
	p = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!p) {
		r = -ENOMEM;
		snprintf(err, errlen, "--initramfs %s: out of memory", path);
		goto out;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, p + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			snprintf(err, errlen, "--initramfs %s: read failed",
				 path);
			goto out;
		}
		done += (size_t)n;
	}
	*buf = p;
	*len = done;
	p = NULL;
out:
	free(p);
	close(fd);
	return r;
}

int initramfs_read(const char *path, bool decompress, struct boot_module *m,
		   char *how, size_t howlen, char *err, size_t errlen)
{
	void *raw = NULL, *out = NULL;
	size_t len = 0, out_len = 0;
	char why[256];
	int r;

	memset(m, 0, sizeof(*m));
	m->name = path;
	how[0] = '\0';
	r = initramfs_slurp(path, &raw, &len, err, errlen);
	if (r)
		return r;
	if (len == 0) {
		free(raw);
		snprintf(err, errlen, "--initramfs %s: the file is empty",
			 path);
		return -EINVAL;
	}
	m->data = raw;
	m->size = len;
	if (!decompress)
		return 0;
	r = decompress_initramfs(raw, len, INITRAMFS_MAX, &out, &out_len, why,
				 sizeof(why));
	if (r == -EALREADY || r == -ENOTSUP) {
		snprintf(how, howlen, "%s: %zu bytes, not compressed", path,
			 len);
		return 0;
	}
	if (r) {
		initramfs_free(m);
		snprintf(err, errlen, "--initramfs %s: %s", path, why);
		return r;
	}
	snprintf(how, howlen, "%s: decompressed on the host, %zu -> %zu bytes",
		 path, len, out_len);
	free(raw);
	m->data = out;
	m->size = out_len;
	return 0;
}

void initramfs_free(struct boot_module *m)
{
	free((void *)m->data);
	m->data = NULL;
	m->size = 0;
}
