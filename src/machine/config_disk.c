/*
 * config_disk.c: the --disk option's value, "path=IMG[,readonly=on]
 * [,direct=on][,serial=S]", parsed into a struct config_disk.  See
 * config.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "machine/config.h"

/* on|off, yes|no, 1|0, or nothing at all (a bare key means on). */
static int config_disk_bool(const char *v, bool *out)
{
	if (!v || !strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* A word of the value: "key" or "key=value", of n bytes at w. */
static int config_disk_word(struct config_disk *d, const char *w, size_t n,
			    unsigned int *seen, char *err, size_t errlen)
{
	static const char *const keys[] = { "path", "readonly", "direct",
					    "serial" };
	const char *eq = memchr(w, '=', n);
	size_t klen = eq ? (size_t)(eq - w) : n;
	const char *v = eq ? eq + 1 : NULL;
	size_t vlen = eq ? n - klen - 1 : 0;
	char val[CONFIG_DISK_PATH_MAX];
	unsigned int k;

	for (k = 0; k < 4; k++)
		if (strlen(keys[k]) == klen && !strncmp(w, keys[k], klen))
			break;
	if (k == 4 && !eq) {
		snprintf(err, errlen,
			 "--disk: '%.*s': expected path=IMG[,readonly=on]"
			 "[,direct=on][,serial=S]",
			 (int)klen, w);
		return -EINVAL;
	}
	if (k == 4) {
		snprintf(err, errlen,
			 "--disk: unknown key '%.*s' (path, readonly, direct, "
			 "serial)",
			 (int)klen, w);
		return -EINVAL;
	}
	if (*seen & (1u << k)) {
		snprintf(err, errlen, "--disk: %s= given twice", keys[k]);
		return -EINVAL;
	}
	*seen |= 1u << k;
	if (vlen >= sizeof(val)) {
		snprintf(err, errlen, "--disk: %s= is too long", keys[k]);
		return -EINVAL;
	}
	if (v) {
		memcpy(val, v, vlen);
		val[vlen] = 0;
	}
	switch (k) {
	case 0:
		if (!v || !vlen) {
			snprintf(err, errlen, "--disk: path= names no file");
			return -EINVAL;
		}
		memcpy(d->path, val, vlen + 1);
		return 0;
	case 1:
	case 2:
		if (config_disk_bool(v ? val : NULL,
				     k == 1 ? &d->readonly : &d->direct)) {
			snprintf(err, errlen,
				 "--disk: %s=%s: expected on or off", keys[k],
				 val);
			return -EINVAL;
		}
		return 0;
	default:
		if (!v || !vlen || vlen > CONFIG_DISK_SERIAL_MAX) {
			snprintf(err, errlen,
				 "--disk: serial=%s: 1 to %d characters",
				 v ? val : "", CONFIG_DISK_SERIAL_MAX);
			return -EINVAL;
		}
		for (size_t i = 0; i < vlen; i++) {
			if (val[i] < 0x20 || val[i] > 0x7e) {
				snprintf(err, errlen,
					 "--disk: serial=: only printable "
					 "ASCII characters");
				return -EINVAL;
			}
		}
		memcpy(d->serial, val, vlen + 1);
		return 0;
	}
}

int config_disk_parse(struct config_disk *d, const char *spec, char *err,
		      size_t errlen)
{
	unsigned int seen = 0;
	const char *p = spec;
	int r;

	memset(d, 0, sizeof(*d));
	for (;;) {
		const char *end = strchrnul(p, ',');

		if (end == p) {
			snprintf(err, errlen,
				 "--disk: '%s' has an empty part (expected "
				 "path=IMG[,readonly=on][,direct=on]"
				 "[,serial=S])",
				 spec);
			return -EINVAL;
		}
		r = config_disk_word(d, p, (size_t)(end - p), &seen, err,
				     errlen);
		if (r)
			return r;
		if (!*end)
			break;
		p = end + 1;
	}
	if (!(seen & 1)) {
		snprintf(err, errlen,
			 "--disk: '%s' names no image (expected "
			 "path=IMG[,readonly=on][,direct=on][,serial=S])",
			 spec);
		return -EINVAL;
	}
	return 0;
}
