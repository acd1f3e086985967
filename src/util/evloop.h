/*
 * evloop.h: one thread's event loop: file descriptors, timers, and calls
 * from other threads.  Each virtio device runs on one of these, so device
 * work never runs on a vCPU thread; backends (io_uring completions, a tap,
 * libslirp's sockets and timers) plug into their device's loop.
 *
 * Threads: evloop_create, evloop_start, evloop_stop and evloop_destroy
 * belong to the thread that owns the loop (main).  Before evloop_start
 * anyone may add fds and timers; after it, only the loop's own thread may
 * (from a callback, or through evloop_call).  evloop_call and
 * evloop_on_thread may be used from any thread.
 */
#ifndef HYVE_UTIL_EVLOOP_H
#define HYVE_UTIL_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

struct evloop;
struct evloop_timer;

typedef void (*evloop_fd_fn)(void *ctx, int fd, uint32_t events);
typedef void (*evloop_fn)(void *ctx);

/* A loop with no thread yet; name (static) names the thread. */
int evloop_create(struct evloop **out, const char *name);

/*
 * Watch fd for events (EPOLLIN, EPOLLOUT...; level-triggered); fn runs on
 * the loop's thread.  0, -EEXIST, or a negative errno from epoll.
 */
int evloop_add_fd(struct evloop *l, int fd, uint32_t events, evloop_fd_fn fn,
		  void *ctx);
int evloop_mod_fd(struct evloop *l, int fd, uint32_t events);
int evloop_del_fd(struct evloop *l, int fd);

/* One-shot timers on CLOCK_MONOTONIC; fn runs on the loop's thread. */
struct evloop_timer *evloop_timer_new(struct evloop *l, evloop_fn fn,
				      void *ctx);
/* Fire at deadline_ns (evloop_now_ns's clock); 0 disarms. */
void evloop_timer_arm(struct evloop_timer *t, uint64_t deadline_ns);
void evloop_timer_free(struct evloop_timer *t);
uint64_t evloop_now_ns(void);

/* Start the loop's thread; 0 or a negative errno. */
int evloop_start(struct evloop *l);

/*
 * Run fn(ctx) on the loop's thread and return once it has run: at once
 * when called on that thread or before evloop_start; -ESHUTDOWN after
 * evloop_stop.
 */
int evloop_call(struct evloop *l, evloop_fn fn, void *ctx);

bool evloop_on_thread(const struct evloop *l);

/* Stop the thread and join it; callbacks in progress finish first. */
void evloop_stop(struct evloop *l);

/* Free the loop (stopped or never started); fds are the caller's. */
void evloop_destroy(struct evloop *l);

#endif
