/*
 * evloop.c: one thread's event loop.  See evloop.h.
 *
 * An epoll set holds the caller's fds (level-triggered) and two of the
 * loop's own: an eventfd that wakes the thread for evloop_call and
 * evloop_stop, and one timerfd.  Timers sit in a list sorted by deadline;
 * the timerfd is armed (absolute, CLOCK_MONOTONIC) for the first of them,
 * so a timer costs nothing until it is due and fires with the clock's
 * resolution, not epoll's milliseconds.  A list is enough: a device has a
 * handful of timers.
 *
 * Callbacks may add, change and remove fds and timers, their own included.
 * A removed fd's record is kept until the batch of epoll events in hand is
 * done, so a later event of the same batch never reaches a freed record.
 * Timers fire in deadline order (equal deadlines in the order armed); one
 * armed again from a callback for a time already past waits for the next
 * turn of the loop, so a timer cannot starve the fds.
 *
 * evloop_call queues a record on the caller's stack and sleeps on a
 * condition variable until the loop thread has run it.  Calls queued before
 * evloop_stop are all run before the thread ends (their callers are
 * waiting); later ones get -ESHUTDOWN.
 *
 * The thread starts with every signal blocked: signals are main's business
 * (machine.c reads the stop signals from a signalfd).
 */
#include "util/evloop.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

#define EVLOOP_BATCH 32

struct evloop_fdh {
	struct evloop *l;
	int fd;
	uint32_t events;
	evloop_fd_fn fn; /* NULL once removed */
	void *ctx;
	struct evloop_fdh *next;
};

struct evloop_timer {
	struct evloop *l;
	evloop_fn fn;
	void *ctx;
	uint64_t deadline;	   /* 0: not armed */
	uint64_t seq;		   /* when it was armed, for the turn rule */
	struct evloop_timer *next; /* in the armed list, by deadline */
	struct evloop_timer *all_next; /* in the list of all timers */
};

struct evloop_call {
	evloop_fn fn;
	void *ctx;
	bool done;
	struct evloop_call *next;
};

struct evloop {
	const char *name;
	int epfd, wakefd, timerfd;
	/* The loop's own fds, told apart from the caller's in epoll data. */
	struct evloop_fdh wake_h, timer_h;
	struct evloop_fdh *fds;	 /* live records */
	struct evloop_fdh *dead; /* removed during a batch, freed after it */
	struct evloop_timer *armed, *timers;
	uint64_t arm_seq;

	pthread_t thread; /* as pthread_create gave it (owner only) */
	bool running;	  /* the thread exists, not joined (owner only) */
	bool started;	  /* atomic: calls go to the thread from now */
	pthread_t self;	  /* the loop's thread, as it saw itself... */
	bool self_set;	  /* atomic: ...valid while it runs */

	pthread_mutex_t lock; /* guards calls and stopping */
	pthread_cond_t cond;
	struct evloop_call *calls, **calls_tail;
	bool stopping;
};

uint64_t evloop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void evloop_wake(struct evloop *l)
{
	uint64_t one = 1;

	/* Only fails when the counter is full, which wakes the loop too. */
	if (write(l->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("evloop", "%s: wake: %s", l->name, strerror(errno));
}

static int evloop_epoll_add(struct evloop *l, struct evloop_fdh *h)
{
	struct epoll_event ev = { .events = h->events, .data.ptr = h };

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, h->fd, &ev) < 0)
		return -errno;
	return 0;
}

static void evloop_on_wake(void *ctx, int fd, uint32_t events);
static void evloop_on_timer(void *ctx, int fd, uint32_t events);

int evloop_create(struct evloop **out, const char *name)
{
	struct evloop *l = calloc(1, sizeof(*l));
	int err;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->name = name;
	l->calls_tail = &l->calls;
	l->wakefd = l->timerfd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		err = -errno;
		goto fail_fds;
	}
	l->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->wakefd < 0) {
		err = -errno;
		goto fail_fds;
	}
	l->timerfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->timerfd < 0) {
		err = -errno;
		goto fail_fds;
	}
	l->wake_h = (struct evloop_fdh){
		.l = l,
		.fd = l->wakefd,
		.events = EPOLLIN,
		.fn = evloop_on_wake,
		.ctx = l,
	};
	l->timer_h = (struct evloop_fdh){
		.l = l,
		.fd = l->timerfd,
		.events = EPOLLIN,
		.fn = evloop_on_timer,
		.ctx = l,
	};
	err = evloop_epoll_add(l, &l->wake_h);
	if (!err)
		err = evloop_epoll_add(l, &l->timer_h);
	if (err)
		goto fail_fds;
	err = pthread_mutex_init(&l->lock, NULL);
	if (err) {
		err = -err;
		goto fail_fds;
	}
	err = pthread_cond_init(&l->cond, NULL);
	if (err) {
		err = -err;
		goto fail_mutex;
	}
	*out = l;
	return 0;
fail_mutex:
	pthread_mutex_destroy(&l->lock);
fail_fds:
	if (l->timerfd >= 0)
		close(l->timerfd);
	if (l->wakefd >= 0)
		close(l->wakefd);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l);
	return err;
}

/* fds ------------------------------------------------------------------ */

/*
 * After the start only the loop's thread may change the fds (evloop.h):
 * refuse anyone else rather than race with the loop over the records.
 */
static bool evloop_mine(const struct evloop *l)
{
	return !__atomic_load_n(&l->started, __ATOMIC_ACQUIRE) ||
	       evloop_on_thread(l);
}

static struct evloop_fdh *evloop_find(struct evloop *l, int fd)
{
	for (struct evloop_fdh *h = l->fds; h; h = h->next)
		if (h->fd == fd)
			return h;
	return NULL;
}

int evloop_add_fd(struct evloop *l, int fd, uint32_t events, evloop_fd_fn fn,
		  void *ctx)
{
	struct evloop_fdh *h;
	int err;

	if (fd < 0 || !fn)
		return -EINVAL;
	if (!evloop_mine(l))
		return -EPERM;
	if (evloop_find(l, fd) || fd == l->wakefd || fd == l->timerfd ||
	    fd == l->epfd)
		return -EEXIST;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	*h = (struct evloop_fdh){
		.l = l,
		.fd = fd,
		.events = events,
		.fn = fn,
		.ctx = ctx,
		.next = l->fds,
	};
	err = evloop_epoll_add(l, h);
	if (err) {
		free(h);
		return err;
	}
	l->fds = h;
	return 0;
}

int evloop_mod_fd(struct evloop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };
	struct evloop_fdh *h;

	if (!evloop_mine(l))
		return -EPERM;
	h = evloop_find(l, fd);
	if (!h)
		return -ENOENT;
	ev.data.ptr = h;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	h->events = events;
	return 0;
}

int evloop_del_fd(struct evloop *l, int fd)
{
	struct evloop_fdh **pp, *h;
	int err = 0;

	if (!evloop_mine(l))
		return -EPERM;
	for (pp = &l->fds; *pp && (*pp)->fd != fd; pp = &(*pp)->next)
		;
	h = *pp;
	if (!h)
		return -ENOENT;
	*pp = h->next;
	/*
	 * An fd already closed (its file gone from the set, or its number
	 * reused) is not an error.  Remove an fd before closing it: a file
	 * still open through a dup stays in the epoll set after close().
	 */
	if (epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 && errno != EBADF &&
	    errno != ENOENT)
		err = -errno;
	h->fn = NULL;
	h->next = l->dead;
	l->dead = h;
	return err;
}

static void evloop_free_list(struct evloop_fdh *h)
{
	while (h) {
		struct evloop_fdh *next = h->next;

		free(h);
		h = next;
	}
}

/* Timers --------------------------------------------------------------- */

struct evloop_timer *evloop_timer_new(struct evloop *l, evloop_fn fn, void *ctx)
{
	struct evloop_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->l = l;
	t->fn = fn;
	t->ctx = ctx;
	t->all_next = l->timers;
	l->timers = t;
	return t;
}

/* Program the timerfd for the first armed timer, or disarm it. */
static void evloop_timer_program(struct evloop *l)
{
	struct itimerspec its = { 0 };
	uint64_t d = l->armed ? l->armed->deadline : 0;

	its.it_value.tv_sec = (time_t)(d / 1000000000ULL);
	its.it_value.tv_nsec = (long)(d % 1000000000ULL);
	if (timerfd_settime(l->timerfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		log_err("evloop", "%s: timerfd_settime: %s", l->name,
			strerror(errno));
}

static void evloop_timer_unlink(struct evloop_timer *t)
{
	struct evloop_timer **pp;

	if (!t->deadline)
		return;
	for (pp = &t->l->armed; *pp && *pp != t; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = t->next;
	t->next = NULL;
	t->deadline = 0;
}

void evloop_timer_arm(struct evloop_timer *t, uint64_t deadline_ns)
{
	struct evloop *l = t->l;
	struct evloop_timer **pp;
	bool first = l->armed == t;

	evloop_timer_unlink(t);
	if (deadline_ns) {
		/* After those with the same deadline: they fire as armed. */
		for (pp = &l->armed; *pp && (*pp)->deadline <= deadline_ns;
		     pp = &(*pp)->next)
			;
		t->deadline = deadline_ns;
		t->seq = ++l->arm_seq;
		t->next = *pp;
		*pp = t;
	}
	if (first || l->armed == t)
		evloop_timer_program(l);
}

void evloop_timer_free(struct evloop_timer *t)
{
	struct evloop_timer **pp;

	if (!t)
		return;
	evloop_timer_arm(t, 0);
	for (pp = &t->l->timers; *pp && *pp != t; pp = &(*pp)->all_next)
		;
	if (*pp)
		*pp = t->all_next;
	free(t);
}

static void evloop_on_timer(void *ctx, int fd, uint32_t events)
{
	struct evloop *l = ctx;
	uint64_t expirations, now, turn;

	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_warn("evloop", "%s: timerfd: %s", l->name, strerror(errno));
	now = evloop_now_ns();
	turn = l->arm_seq;
	/*
	 * The head is read afresh each time: a callback may free or re-arm
	 * any timer.  Those armed during this turn wait for the next.
	 */
	for (;;) {
		struct evloop_timer *t = l->armed;

		while (t && t->seq > turn)
			t = t->next;
		if (!t || t->deadline > now)
			break;
		evloop_timer_unlink(t);
		t->fn(t->ctx);
	}
	evloop_timer_program(l);
}

/* Calls ---------------------------------------------------------------- */

/* Run the calls queued so far; with stop set, until none is left. */
static void evloop_run_calls(struct evloop *l)
{
	struct evloop_call *c;

	pthread_mutex_lock(&l->lock);
	while ((c = l->calls)) {
		l->calls = NULL;
		l->calls_tail = &l->calls;
		pthread_mutex_unlock(&l->lock);
		for (struct evloop_call *next; c; c = next) {
			next = c->next; /* c lives on a stack until done */
			c->fn(c->ctx);
			pthread_mutex_lock(&l->lock);
			c->done = true;
			pthread_cond_broadcast(&l->cond);
			pthread_mutex_unlock(&l->lock);
		}
		pthread_mutex_lock(&l->lock);
	}
	pthread_mutex_unlock(&l->lock);
}

static void evloop_on_wake(void *ctx, int fd, uint32_t events)
{
	struct evloop *l = ctx;
	uint64_t n;

	(void)events;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("evloop", "%s: eventfd: %s", l->name, strerror(errno));
	evloop_run_calls(l);
}

bool evloop_on_thread(const struct evloop *l)
{
	return __atomic_load_n(&l->self_set, __ATOMIC_ACQUIRE) &&
	       pthread_equal(pthread_self(), l->self);
}

int evloop_call(struct evloop *l, evloop_fn fn, void *ctx)
{
	struct evloop_call c = { .fn = fn, .ctx = ctx };

	if (evloop_on_thread(l)) {
		fn(ctx);
		return 0;
	}
	pthread_mutex_lock(&l->lock);
	if (l->stopping) {
		pthread_mutex_unlock(&l->lock);
		return -ESHUTDOWN;
	}
	if (!__atomic_load_n(&l->started, __ATOMIC_ACQUIRE)) {
		/* Not started: this thread is the only one using the loop. */
		pthread_mutex_unlock(&l->lock);
		fn(ctx);
		return 0;
	}
	*l->calls_tail = &c;
	l->calls_tail = &c.next;
	pthread_mutex_unlock(&l->lock);
	evloop_wake(l);
	pthread_mutex_lock(&l->lock);
	while (!c.done)
		pthread_cond_wait(&l->cond, &l->lock);
	pthread_mutex_unlock(&l->lock);
	return 0;
}

/* The thread ------------------------------------------------------------- */

static bool evloop_stopping(struct evloop *l)
{
	bool stop;

	pthread_mutex_lock(&l->lock);
	stop = l->stopping;
	pthread_mutex_unlock(&l->lock);
	return stop;
}

static void *evloop_thread(void *arg)
{
	struct evloop *l = arg;
	struct epoll_event ev[EVLOOP_BATCH];
	char name[16];

	/* Thread names are 15 characters at most. */
	l->self = pthread_self();
	__atomic_store_n(&l->self_set, true, __ATOMIC_RELEASE);
	snprintf(name, sizeof(name), "%s", l->name ? l->name : "evloop");
	pthread_setname_np(l->self, name);

	while (!evloop_stopping(l)) {
		int n = epoll_wait(l->epfd, ev, EVLOOP_BATCH, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("evloop", "%s: epoll_wait: %s", l->name,
				strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct evloop_fdh *h = ev[i].data.ptr;

			if (h->fn)
				h->fn(h->ctx, h->fd, ev[i].events);
		}
		evloop_free_list(l->dead);
		l->dead = NULL;
	}

	/* No call is accepted from now on; run those already queued. */
	pthread_mutex_lock(&l->lock);
	l->stopping = true;
	pthread_mutex_unlock(&l->lock);
	evloop_run_calls(l);
	/* A thread id may be reused once this one is joined. */
	__atomic_store_n(&l->self_set, false, __ATOMIC_RELEASE);
	return NULL;
}

int evloop_start(struct evloop *l)
{
	sigset_t all, old;
	int err;

	if (l->running)
		return -EBUSY;
	pthread_mutex_lock(&l->lock);
	err = l->stopping ? -ESHUTDOWN : 0;
	pthread_mutex_unlock(&l->lock);
	if (err)
		return err;
	/* The thread inherits this mask: every signal blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/*
	 * From here calls are queued for the thread (which runs those queued
	 * before it is scheduled: the eventfd keeps the count).
	 */
	__atomic_store_n(&l->started, true, __ATOMIC_RELEASE);
	err = pthread_create(&l->thread, NULL, evloop_thread, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		/* Calls that came meanwhile run here, as before a start. */
		__atomic_store_n(&l->started, false, __ATOMIC_RELEASE);
		evloop_run_calls(l);
		return -err;
	}
	l->running = true;
	return 0;
}

void evloop_stop(struct evloop *l)
{
	pthread_mutex_lock(&l->lock);
	l->stopping = true;
	pthread_mutex_unlock(&l->lock);
	if (!l->running)
		return;
	if (evloop_on_thread(l)) {
		/* From a callback: the loop ends after it; the owner joins. */
		evloop_wake(l);
		return;
	}
	evloop_wake(l);
	pthread_join(l->thread, NULL);
	l->running = false;
	/* The owner has the loop to itself again (to remove its fds). */
	__atomic_store_n(&l->started, false, __ATOMIC_RELEASE);
}

void evloop_destroy(struct evloop *l)
{
	if (!l)
		return;
	evloop_stop(l);
	evloop_free_list(l->fds);
	evloop_free_list(l->dead);
	/* Timers the caller did not free go with the loop. */
	while (l->timers) {
		struct evloop_timer *t = l->timers;

		l->timers = t->all_next;
		free(t);
	}
	close(l->timerfd);
	close(l->wakefd);
	close(l->epfd);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
