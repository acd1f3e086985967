/*
 * evloop_stub.h: a small stand-in for util/evloop.c, for the network
 * backend tests until the real event loop is merged (then this file goes).
 * It follows evloop.h: one thread around epoll, one-shot timers, and
 * evloop_call that waits for the call to have run.  Weak, so the real one
 * wins wherever both are linked.
 */
#ifndef HYVE_TESTS_EVLOOP_STUB_H
#define HYVE_TESTS_EVLOOP_STUB_H

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "util/evloop.h"

#define STUB_FDS 64
#define WEAK	 __attribute__((weak))

struct stub_fd {
	int fd;
	evloop_fd_fn fn;
	void *ctx;
};

struct evloop_timer {
	struct evloop *l;
	evloop_fn fn;
	void *ctx;
	uint64_t deadline; /* 0: disarmed */
	struct evloop_timer *next;
};

struct stub_call {
	evloop_fn fn;
	void *ctx;
	bool done;
	struct stub_call *next;
};

struct evloop {
	int epfd, wake;
	pthread_t thread;
	bool started, stop, stopped;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct stub_call *calls;
	struct stub_fd fds[STUB_FDS];
	struct evloop_timer *timers;
};

WEAK uint64_t evloop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

WEAK int evloop_create(struct evloop **out, const char *name)
{
	struct evloop *l = calloc(1, sizeof(*l));
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = -1 };

	(void)name;
	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	for (int i = 0; i < STUB_FDS; i++)
		l->fds[i].fd = -1;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wake, &ev);
	*out = l;
	return 0;
}

static struct stub_fd *stub_find(struct evloop *l, int fd)
{
	for (int i = 0; i < STUB_FDS; i++)
		if (l->fds[i].fd == fd)
			return &l->fds[i];
	return NULL;
}

WEAK int evloop_add_fd(struct evloop *l, int fd, uint32_t events,
		       evloop_fd_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	struct stub_fd *s;

	if (stub_find(l, fd))
		return -EEXIST;
	s = stub_find(l, -1);
	if (!s)
		return -ENOSPC;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	*s = (struct stub_fd){ fd, fn, ctx };
	return 0;
}

WEAK int evloop_mod_fd(struct evloop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (!stub_find(l, fd))
		return -ENOENT;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

WEAK int evloop_del_fd(struct evloop *l, int fd)
{
	struct stub_fd *s = stub_find(l, fd);

	if (!s)
		return -ENOENT;
	s->fd = -1;
	return epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

WEAK struct evloop_timer *evloop_timer_new(struct evloop *l, evloop_fn fn,
					   void *ctx)
{
	struct evloop_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	*t = (struct evloop_timer){ l, fn, ctx, 0, l->timers };
	l->timers = t;
	return t;
}

WEAK void evloop_timer_arm(struct evloop_timer *t, uint64_t deadline_ns)
{
	t->deadline = deadline_ns;
}

WEAK void evloop_timer_free(struct evloop_timer *t)
{
	struct evloop_timer **p;

	if (!t)
		return;
	for (p = &t->l->timers; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	free(t);
}

WEAK bool evloop_on_thread(const struct evloop *l)
{
	return !l->started || pthread_equal(pthread_self(), l->thread);
}

/* Run the due timers; the earliest deadline left (0: none). */
static uint64_t stub_timers(struct evloop *l)
{
	bool again = true;
	uint64_t next = 0;

	while (again) {
		uint64_t now = evloop_now_ns();

		again = false;
		next = 0;
		for (struct evloop_timer *t = l->timers; t; t = t->next) {
			if (t->deadline && t->deadline <= now) {
				t->deadline = 0;
				t->fn(t->ctx); /* may free any timer */
				again = true;
				break;
			}
			if (t->deadline && (!next || t->deadline < next))
				next = t->deadline;
		}
	}
	return next;
}

static void *stub_thread(void *arg)
{
	struct evloop *l = arg;

	for (;;) {
		struct epoll_event ev[16];
		uint64_t next = stub_timers(l), now = evloop_now_ns();
		int timeout = -1, n;

		if (next)
			timeout = next <= now ? 0
					      : (int)((next - now + 999999) /
						      1000000);
		n = epoll_wait(l->epfd, ev, 16, timeout);
		for (int i = 0; i < n; i++) {
			struct stub_fd *s;

			if (ev[i].data.fd == -1) {
				uint64_t v;

				if (read(l->wake, &v, sizeof(v)) < 0)
					continue;
				continue;
			}
			s = stub_find(l, ev[i].data.fd);
			if (s)
				s->fn(s->ctx, s->fd, ev[i].events);
		}
		pthread_mutex_lock(&l->mu);
		while (l->calls) {
			struct stub_call *c = l->calls;

			l->calls = c->next;
			pthread_mutex_unlock(&l->mu);
			c->fn(c->ctx);
			pthread_mutex_lock(&l->mu);
			c->done = true;
			pthread_cond_broadcast(&l->cv);
		}
		if (l->stop) {
			pthread_mutex_unlock(&l->mu);
			return NULL;
		}
		pthread_mutex_unlock(&l->mu);
	}
}

WEAK int evloop_start(struct evloop *l)
{
	int r = pthread_create(&l->thread, NULL, stub_thread, l);

	if (r)
		return -r;
	l->started = true;
	return 0;
}

WEAK int evloop_call(struct evloop *l, evloop_fn fn, void *ctx)
{
	struct stub_call c = { fn, ctx, false, NULL };
	uint64_t one = 1;

	if (l->stopped)
		return -ESHUTDOWN;
	if (evloop_on_thread(l)) {
		fn(ctx);
		return 0;
	}
	pthread_mutex_lock(&l->mu);
	c.next = l->calls;
	l->calls = &c;
	if (write(l->wake, &one, sizeof(one)) < 0)
		abort();
	while (!c.done)
		pthread_cond_wait(&l->cv, &l->mu);
	pthread_mutex_unlock(&l->mu);
	return 0;
}

WEAK void evloop_stop(struct evloop *l)
{
	uint64_t one = 1;

	if (!l->started || l->stopped)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	pthread_mutex_unlock(&l->mu);
	if (write(l->wake, &one, sizeof(one)) < 0)
		abort();
	pthread_join(l->thread, NULL);
	l->stopped = true;
}

WEAK void evloop_destroy(struct evloop *l)
{
	while (l->timers)
		evloop_timer_free(l->timers);
	close(l->epfd);
	close(l->wake);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	free(l);
}

#endif
