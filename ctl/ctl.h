/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — control socket server (DESIGN §8).
 *
 * Protocol, in the convention of Suricata's unix socket: a unix stream
 * socket; each request is one JSON object on one line,
 *
 *	{"command":"stats","arguments":{...}}       ("arguments" optional)
 *
 * and each request gets exactly one response line, in request order:
 *
 *	{"return":"OK","message":<any JSON>}
 *	{"return":"NOK","message":"why"}
 *
 * Blank lines are ignored. A client may pipeline requests and keep the
 * connection open as long as it likes. When the client half-closes (EOF),
 * a last request without its newline is still answered, pending output is
 * flushed, then the connection is closed.
 *
 * Threading: none. One thread (the main lcore loop) owns a struct tw_ctl and
 * is the only one to call any function on it; handlers run on that thread,
 * inside tw_ctl_poll(). The library never blocks: every socket is
 * non-blocking and every tw_ctl_poll() does bounded work (see below).
 * SIGPIPE is never raised (send() with MSG_NOSIGNAL).
 *
 * Limits (each enforced per client):
 *  - a request line longer than TW_CTL_MAX_REQUEST bytes (newline excluded)
 *    is answered NOK "request too long" and the client is closed;
 *  - at most TW_CTL_MAX_CLIENTS connections; a further one gets one NOK line
 *    ("too many clients") and is closed;
 *  - responses are buffered per client so a client may read slowly; when
 *    the buffered output would exceed the output cap (TW_CTL_OUT_CAP by
 *    default, see tw_ctl_set_out_cap()) the client is dropped. A single
 *    response larger than the cap on its own is replaced by NOK
 *    "response too large" instead, so the client stays usable.
 */
#ifndef TW_CTL_H
#define TW_CTL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define TW_CTL_MAX_REQUEST (64u * 1024u)       /* bytes in one request line */
#define TW_CTL_MAX_CLIENTS 16u                 /* concurrent connections */
#define TW_CTL_OUT_CAP     (4u * 1024u * 1024u) /* buffered output per client */
#define TW_CTL_NAME_MAX    64u                 /* command name, NUL excluded */
#define TW_CTL_ERR_MAX     256u                /* size of a handler's err buffer */

struct tw_ctl;

/*
 * A command handler. Returns the message of an OK response, as a new
 * reference (ownership passes to the library), or NULL after writing the
 * message of the NOK response into err (a NUL-terminated string of at most
 * errlen bytes; errlen is TW_CTL_ERR_MAX). If it returns NULL and leaves err
 * empty, the NOK message is "command 'NAME' failed".
 *
 * args is the request's "arguments" object (an empty object when the
 * request had none); it is borrowed and valid only during the call. ctx is
 * the pointer given to tw_ctl_register(). Runs on the thread calling
 * tw_ctl_poll(); it may call tw_ctl_register() and tw_ctl_counters() but
 * must not call tw_ctl_poll() or tw_ctl_close(). A long-running handler
 * delays the caller's loop: handlers should be quick (start work, answer
 * "started", report later).
 */
typedef json_t *(*tw_ctl_handler_t)(json_t *args, void *ctx, char *err, size_t errlen);

/* Counters since tw_ctl_open(). Read with tw_ctl_counters(). */
struct tw_ctl_counters {
	uint64_t requests;         /* request lines answered (OK or NOK) */
	uint64_t errors;           /* of which answered NOK */
	uint64_t clients_accepted; /* connections accepted and served */
	uint64_t clients_refused;  /* connections refused: TW_CTL_MAX_CLIENTS reached */
	uint64_t clients_dropped;  /* closed by the server: request too long or
	                            * output cap exceeded (a peer that goes away
	                            * or resets is not counted) */
};

/*
 * Create the control socket at path and listen on it.
 *
 * The directory holding path must exist (it is not created): if not, fails
 * with "directory 'D' does not exist". If path exists and is not a socket,
 * fails (it is never removed). If it is a socket and a live server accepts a
 * connection on it, fails with "... in use by another instance"; if nothing
 * listens there (a stale socket left by a crash), it is unlinked and
 * replaced. After bind, the socket file gets permissions mode (chmod, e.g.
 * 0660). The built-in commands "command-list" and "help" are registered.
 *
 * Returns the server, or NULL with a one-line message naming the path and
 * the cause in err (errlen bytes, NUL-terminated; err may be NULL if
 * errlen is 0).
 */
struct tw_ctl *tw_ctl_open(const char *path, unsigned mode, char *err, size_t errlen);

/*
 * Register command name (1..TW_CTL_NAME_MAX bytes of [A-Za-z0-9_./-]) with a
 * one-line help text (may be NULL) and its handler. name and help are
 * copied. Returns 0; -EINVAL if c, name or fn is NULL or name is not valid;
 * -EEXIST if name is registered already (including the built-ins);
 * -ENOMEM.
 */
int tw_ctl_register(struct tw_ctl *c, const char *name, const char *help,
		tw_ctl_handler_t fn, void *ctx);

/*
 * Serve: accept pending connections, read what is available, answer every
 * complete request line and flush pending output, without ever blocking.
 * Work per call is bounded: one poll(2) when idle; at most 16 accepts, and
 * per client one recv() of at most TW_CTL_MAX_REQUEST bytes, at most 64
 * requests answered (the rest wait for the next call) and one send(). Call
 * it often (e.g. every few milliseconds) from the owning thread.
 *
 * Returns the number of requests answered by this call (>= 0), or -1 if
 * the listening socket failed (errno set; the server should be closed).
 * Problems with a single client never make it fail: that client is closed
 * and counted.
 */
int tw_ctl_poll(struct tw_ctl *c);

/* The listening socket, for callers that want to poll(2)/epoll on it for
 * POLLIN before calling tw_ctl_poll() (client sockets are not exposed, so
 * callers that sleep should still call tw_ctl_poll() periodically). */
int tw_ctl_fd(const struct tw_ctl *c);

/* Copy the counters into *out. */
void tw_ctl_counters(const struct tw_ctl *c, struct tw_ctl_counters *out);

/*
 * Set the per-client output cap in bytes (default TW_CTL_OUT_CAP, minimum
 * 4096). Mainly for tests. Returns 0, or -EINVAL.
 */
int tw_ctl_set_out_cap(struct tw_ctl *c, size_t bytes);

/*
 * Close every client (pending output is discarded), close the listening
 * socket and unlink path if it is still the socket this server created.
 * NULL is a no-op.
 */
void tw_ctl_close(struct tw_ctl *c);

#endif /* TW_CTL_H */
