/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — control socket server: one line of JSON in, one line out.
 * See ctl.h for the contract.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctl.h"

#define CTL_ACCEPTS_PER_POLL  16u   /* bound on accept() per tw_ctl_poll() */
#define CTL_REQUESTS_PER_POLL 64u   /* bound on requests per client per poll */
#define CTL_IN_INIT           4096u /* first input buffer; grows to MAX_REQUEST + 1 */
#define CTL_OUT_KEEP          65536u /* an empty output buffer above this is freed */
#define CTL_CLOSE_GRACE_NS    2000000000ull /* a closing client may drain for 2 s */
#define CTL_BACKLOG           32

struct ctl_cmd {
	char *name;
	char *help;
	tw_ctl_handler_t fn;
	void *ctx;
};

struct ctl_client {
	int fd;
	bool eof;        /* the peer sent EOF: read no more */
	bool closing;    /* answer no more; close once the output is drained */
	bool dead;       /* close at the end of this poll */
	uint64_t close_deadline; /* for closing: CLOCK_MONOTONIC ns */
	/* input: [0, in_len) read, not yet answered */
	char *in;
	size_t in_len;
	size_t in_cap;
	/* output: [out_off, out_len) not yet sent */
	char *out;
	size_t out_off;
	size_t out_len;
	size_t out_cap;
};

struct tw_ctl {
	int lfd;
	unsigned nclients;
	struct ctl_client *clients[TW_CTL_MAX_CLIENTS];
	/* commands, sorted by name (bsearch) */
	struct ctl_cmd *cmds;
	unsigned ncmds;
	unsigned cmds_cap;
	size_t out_cap;
	struct tw_ctl_counters cnt;
	char *path;
	dev_t dev; /* identity of the socket file we bound, for tw_ctl_close() */
	ino_t ino;
};

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- commands ------------------------------------------------------------ */

static int
cmd_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ctl_cmd *)elem)->name);
}

static struct ctl_cmd *
cmd_find(const struct tw_ctl *c, const char *name)
{
	if (c->ncmds == 0)
		return NULL;
	return bsearch(name, c->cmds, c->ncmds, sizeof(c->cmds[0]), cmd_cmp);
}

static bool
name_valid(const char *name)
{
	size_t n = 0;

	for (const char *p = name; *p != '\0'; p++, n++) {
		char ch = *p;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		      ch == '.' || ch == '/'))
			return false;
	}
	return n >= 1 && n <= TW_CTL_NAME_MAX;
}

int
tw_ctl_register(struct tw_ctl *c, const char *name, const char *help,
		tw_ctl_handler_t fn, void *ctx)
{
	struct ctl_cmd cmd;
	unsigned pos;

	if (c == NULL || name == NULL || fn == NULL || !name_valid(name))
		return -EINVAL;
	if (cmd_find(c, name) != NULL)
		return -EEXIST;
	if (c->ncmds == c->cmds_cap) {
		unsigned ncap = c->cmds_cap ? c->cmds_cap * 2 : 16;
		struct ctl_cmd *n = realloc(c->cmds, ncap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		c->cmds = n;
		c->cmds_cap = ncap;
	}
	cmd.name = strdup(name);
	cmd.help = strdup(help != NULL ? help : "");
	if (cmd.name == NULL || cmd.help == NULL) {
		free(cmd.name);
		free(cmd.help);
		return -ENOMEM;
	}
	cmd.fn = fn;
	cmd.ctx = ctx;
	for (pos = 0; pos < c->ncmds; pos++)
		if (strcmp(name, c->cmds[pos].name) < 0)
			break;
	memmove(&c->cmds[pos + 1], &c->cmds[pos], (c->ncmds - pos) * sizeof(c->cmds[0]));
	c->cmds[pos] = cmd;
	c->ncmds++;
	return 0;
}

static json_t *
builtin_command_list(json_t *args, void *ctx, char *err, size_t errlen)
{
	const struct tw_ctl *c = ctx;
	json_t *list = json_array();

	if (list == NULL)
		goto nomem;
	for (unsigned i = 0; i < c->ncmds; i++)
		if (json_array_append_new(list, json_string(c->cmds[i].name)) != 0)
			goto nomem;
	return list;
nomem:
	json_decref(list);
	set_err(err, errlen, "out of memory");
	return NULL;
}

/* help: {name: help, ...}; with arguments {"command": NAME}, that one only. */
static json_t *
builtin_help(json_t *args, void *ctx, char *err, size_t errlen)
{
	const struct tw_ctl *c = ctx;
	json_t *want = json_object_get(args, "command");
	json_t *res;

	if (want != NULL && !json_is_string(want)) {
		set_err(err, errlen, "help: argument 'command' must be a string");
		return NULL;
	}
	if (want != NULL && cmd_find(c, json_string_value(want)) == NULL) {
		set_err(err, errlen, "unknown command '%.*s' (try help)",
			(int)TW_CTL_NAME_MAX, json_string_value(want));
		return NULL;
	}
	res = json_object();
	if (res == NULL)
		goto nomem;
	for (unsigned i = 0; i < c->ncmds; i++) {
		if (want != NULL && strcmp(json_string_value(want), c->cmds[i].name) != 0)
			continue;
		if (json_object_set_new(res, c->cmds[i].name,
					json_string(c->cmds[i].help)) != 0)
			goto nomem;
	}
	return res;
nomem:
	json_decref(res);
	set_err(err, errlen, "out of memory");
	return NULL;
}

/* ---- clients ------------------------------------------------------------- */

static void
client_free(struct ctl_client *cl)
{
	if (cl == NULL)
		return;
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->in);
	free(cl->out);
	free(cl);
}

/* Server-initiated close, e.g. a misbehaving client: counted. */
static void
client_drop(struct tw_ctl *c, struct ctl_client *cl)
{
	if (!cl->dead)
		c->cnt.clients_dropped++;
	cl->dead = true;
}

static void
client_start_closing(struct ctl_client *cl)
{
	cl->closing = true;
	cl->close_deadline = now_ns() + CTL_CLOSE_GRACE_NS;
}

/* Append one response line (s, n bytes, newline included). */
static int
client_append(struct tw_ctl *c, struct ctl_client *cl, const char *s, size_t n)
{
	size_t pending = cl->out_len - cl->out_off;

	if (pending + n > c->out_cap)
		return -1;
	if (cl->out_off > 0) {
		memmove(cl->out, cl->out + cl->out_off, pending);
		cl->out_off = 0;
		cl->out_len = pending;
	}
	if (cl->out_len + n > cl->out_cap) {
		size_t ncap = cl->out_cap ? cl->out_cap : 4096;
		char *nb;

		while (ncap < cl->out_len + n)
			ncap *= 2;
		nb = realloc(cl->out, ncap);
		if (nb == NULL)
			return -1;
		cl->out = nb;
		cl->out_cap = ncap;
	}
	memcpy(cl->out + cl->out_len, s, n);
	cl->out_len += n;
	return 0;
}

/* Encode {"return":..., "message": msg} (steals msg) into one line. */
static char *
encode_response(bool ok, json_t *msg, size_t *len)
{
	json_t *resp = json_object();
	char *s = NULL;

	if (resp == NULL || msg == NULL) {
		json_decref(msg);
		goto out;
	}
	if (json_object_set_new(resp, "return", json_string(ok ? "OK" : "NOK")) != 0 ||
	    json_object_set_new(resp, "message", msg) != 0)
		goto out;
	/* JSON_COMPACT never emits a newline: strings escape theirs */
	s = json_dumps(resp, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s != NULL) {
		size_t n = strlen(s);
		char *t = realloc(s, n + 2);

		if (t == NULL) {
			free(s);
			s = NULL;
			goto out;
		}
		s = t;
		s[n] = '\n';
		s[n + 1] = '\0';
		*len = n + 1;
	}
out:
	json_decref(resp);
	return s;
}

static void
respond(struct tw_ctl *c, struct ctl_client *cl, bool ok, json_t *msg)
{
	size_t len = 0;
	char *line = encode_response(ok, msg, &len);
	char buf[160];

	c->cnt.requests++;
	if (line != NULL && len > c->out_cap) {
		snprintf(buf, sizeof(buf), "response too large (%zu bytes, limit %zu)",
			 len, c->out_cap);
		free(line);
		line = NULL;
		ok = false;
		msg = json_string(buf);
		line = encode_response(false, msg, &len);
	} else if (line == NULL) {
		ok = false;
		line = encode_response(false, json_string("cannot encode the response"), &len);
	}
	if (!ok)
		c->cnt.errors++;
	if (line == NULL || client_append(c, cl, line, len) != 0)
		client_drop(c, cl); /* out of memory, or the output cap is exceeded */
	free(line);
}

static void
respond_err(struct tw_ctl *c, struct ctl_client *cl, const char *fmt, ...)
{
	char buf[TW_CTL_ERR_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	respond(c, cl, false, json_string(buf));
}

static bool
is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static void
handle_request(struct tw_ctl *c, struct ctl_client *cl, const char *line, size_t len)
{
	char err[TW_CTL_ERR_MAX];
	json_error_t jerr;
	json_t *req, *cmdv, *args, *msg;
	struct ctl_cmd *cmd;
	tw_ctl_handler_t fn;
	void *ctx;
	char name[TW_CTL_NAME_MAX + 1];

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		respond_err(c, cl, "invalid JSON at column %d: %s", jerr.column, jerr.text);
		return;
	}
	if (!json_is_object(req)) {
		respond_err(c, cl, "a request must be a JSON object "
			    "{\"command\":NAME,\"arguments\":{...}}");
		goto out;
	}
	cmdv = json_object_get(req, "command");
	if (!json_is_string(cmdv)) {
		respond_err(c, cl, "missing \"command\" (a string)");
		goto out;
	}
	args = json_object_get(req, "arguments");
	if (args != NULL && !json_is_null(args) && !json_is_object(args)) {
		respond_err(c, cl, "\"arguments\" must be an object");
		goto out;
	}
	if (args == NULL || json_is_null(args)) {
		args = json_object();
		if (args == NULL || json_object_set_new(req, "arguments", args) != 0) {
			respond_err(c, cl, "out of memory");
			goto out;
		}
	}
	cmd = cmd_find(c, json_string_value(cmdv));
	if (cmd == NULL) {
		respond_err(c, cl, "unknown command '%.*s' (try help)",
			    (int)TW_CTL_NAME_MAX, json_string_value(cmdv));
		goto out;
	}
	/* copy: the handler may register commands, moving the table */
	fn = cmd->fn;
	ctx = cmd->ctx;
	snprintf(name, sizeof(name), "%s", cmd->name);
	err[0] = '\0';
	msg = fn(args, ctx, err, sizeof(err));
	if (msg != NULL) {
		respond(c, cl, true, msg);
	} else {
		err[sizeof(err) - 1] = '\0';
		if (err[0] == '\0')
			respond_err(c, cl, "command '%s' failed", name);
		else
			respond(c, cl, false, json_string(err));
	}
out:
	json_decref(req);
}

/* Answer up to CTL_REQUESTS_PER_POLL complete lines. Returns how many. */
static int
client_process(struct tw_ctl *c, struct ctl_client *cl)
{
	size_t pos = 0;
	int answered = 0;

	while (!cl->dead && !cl->closing && pos < cl->in_len) {
		char *start = cl->in + pos;
		char *nl = memchr(start, '\n', cl->in_len - pos);
		size_t len;

		if (nl == NULL) {
			if (cl->in_len - pos > TW_CTL_MAX_REQUEST) {
				respond_err(c, cl, "request too long (limit %u bytes)",
					    TW_CTL_MAX_REQUEST);
				answered++;
				/* the NOK still goes out: drain, then close */
				c->cnt.clients_dropped++;
				client_start_closing(cl);
				pos = cl->in_len;
			} else if (cl->eof) {
				pos = cl->in_len; /* unterminated tail at EOF: discarded */
			}
			break;
		}
		if (answered == (int)CTL_REQUESTS_PER_POLL)
			break;
		len = (size_t)(nl - start);
		pos += len + 1;
		if (is_blank(start, len))
			continue;
		if (len > 0 && start[len - 1] == '\r')
			len--;
		handle_request(c, cl, start, len);
		answered++;
	}
	if (pos > 0) {
		memmove(cl->in, cl->in + pos, cl->in_len - pos);
		cl->in_len -= pos;
	}
	return answered;
}

static void
client_read(struct ctl_client *cl)
{
	const size_t max = TW_CTL_MAX_REQUEST + 1; /* a full line can't fit: too long */
	ssize_t n;

	if (cl->in_len == cl->in_cap && cl->in_cap < max) {
		size_t ncap = cl->in_cap ? cl->in_cap * 2 : CTL_IN_INIT;
		char *nb;

		if (ncap > max)
			ncap = max;
		nb = realloc(cl->in, ncap);
		if (nb == NULL)
			return; /* try again next time */
		cl->in = nb;
		cl->in_cap = ncap;
	}
	if (cl->in_len == cl->in_cap)
		return;
	n = recv(cl->fd, cl->in + cl->in_len, cl->in_cap - cl->in_len, MSG_DONTWAIT);
	if (n > 0)
		cl->in_len += (size_t)n;
	else if (n == 0)
		cl->eof = true;
	else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		cl->dead = true; /* e.g. ECONNRESET: the peer went away */
}

static void
client_flush(struct ctl_client *cl)
{
	ssize_t n;

	if (cl->out_off == cl->out_len)
		return;
	n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
		 MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			cl->dead = true; /* EPIPE, ECONNRESET */
		return;
	}
	cl->out_off += (size_t)n;
	if (cl->out_off == cl->out_len) {
		cl->out_off = cl->out_len = 0;
		if (cl->out_cap > CTL_OUT_KEEP) {
			free(cl->out);
			cl->out = NULL;
			cl->out_cap = 0;
		}
	}
}

static void
refuse(struct tw_ctl *c, int fd)
{
	char line[128];
	int n = snprintf(line, sizeof(line),
			 "{\"return\":\"NOK\",\"message\":\"too many clients (limit %u)\"}\n",
			 TW_CTL_MAX_CLIENTS);

	/* best effort: a fresh socket buffer always has room for one line */
	if (send(fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* nothing to do: the client sees the connection closed */
	}
	close(fd);
	c->cnt.clients_refused++;
}

/* Returns -1 on a fatal error of the listening socket. */
static int
accept_clients(struct tw_ctl *c)
{
	for (unsigned i = 0; i < CTL_ACCEPTS_PER_POLL; i++) {
		struct ctl_client *cl;
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
				continue;
			case EAGAIN:
#if EAGAIN != EWOULDBLOCK
			case EWOULDBLOCK:
#endif
			case EMFILE: /* transient: retried on the next poll */
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
			case EPERM:
				return 0;
			default:
				return -1;
			}
		}
		if (c->nclients == TW_CTL_MAX_CLIENTS) {
			refuse(c, fd);
			continue;
		}
		cl = calloc(1, sizeof(*cl));
		if (cl == NULL) {
			close(fd);
			return 0;
		}
		cl->fd = fd;
		c->clients[c->nclients++] = cl;
		c->cnt.clients_accepted++;
	}
	return 0;
}

int
tw_ctl_poll(struct tw_ctl *c)
{
	struct pollfd pfd[1 + TW_CTL_MAX_CLIENTS];
	unsigned n = c->nclients, live = 0;
	int answered = 0;
	uint64_t now = 0;

	pfd[0].fd = c->lfd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	for (unsigned i = 0; i < n; i++) {
		struct ctl_client *cl = c->clients[i];

		pfd[1 + i].fd = cl->fd;
		pfd[1 + i].events = 0;
		pfd[1 + i].revents = 0;
		if (!cl->eof && !cl->closing)
			pfd[1 + i].events |= POLLIN;
		if (cl->out_off < cl->out_len)
			pfd[1 + i].events |= POLLOUT;
	}
	if (poll(pfd, 1 + n, 0) < 0) {
		if (errno == EINTR || errno == ENOMEM || errno == EAGAIN)
			return 0;
		return -1;
	}
	if (pfd[0].revents & (POLLERR | POLLNVAL)) {
		errno = pfd[0].revents & POLLNVAL ? EBADF : EIO;
		return -1;
	}

	for (unsigned i = 0; i < n; i++) {
		struct ctl_client *cl = c->clients[i];
		short ev = pfd[1 + i].revents;

		if (ev & POLLNVAL) {
			cl->dead = true;
			continue;
		}
		if ((ev & (POLLIN | POLLHUP | POLLERR)) && !cl->eof && !cl->closing)
			client_read(cl);
		if (!cl->dead && !cl->closing)
			answered += client_process(c, cl);
		if (!cl->dead)
			client_flush(cl);
		if (cl->dead)
			continue;
		if (cl->out_off == cl->out_len) {
			if (cl->closing || (cl->eof && cl->in_len == 0))
				cl->dead = true;
		} else if (cl->closing) {
			if (now == 0)
				now = now_ns();
			if (now > cl->close_deadline)
				cl->dead = true;
		}
	}
	/* remove closed clients, keeping order */
	for (unsigned i = 0; i < n; i++) {
		if (c->clients[i]->dead)
			client_free(c->clients[i]);
		else
			c->clients[live++] = c->clients[i];
	}
	c->nclients = live;

	if ((pfd[0].revents & POLLIN) && accept_clients(c) < 0)
		return -1;
	return answered;
}

/* ---- lifecycle ----------------------------------------------------------- */

/* Returns 1 if a server accepts connections on path, 0 if not (stale), -1
 * (errno set) if that can't be told. */
static int
probe_live(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		rc = 1;
	else if (errno == EAGAIN || errno == EINPROGRESS)
		rc = 1; /* a listener with a full backlog is alive */
	else if (errno == ECONNREFUSED || errno == ENOENT)
		rc = 0;
	else
		rc = -1;
	if (rc < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return rc;
}

struct tw_ctl *
tw_ctl_open(const char *path, unsigned mode, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct tw_ctl *c = NULL;
	struct stat st;
	char dir[sizeof(sa.sun_path)];
	char *slash;
	int rc;

	if (path == NULL || path[0] == '\0') {
		set_err(err, errlen, "control socket: empty path");
		return NULL;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		set_err(err, errlen, "control socket path too long (%zu bytes, limit %zu): '%s'",
			strlen(path), sizeof(sa.sun_path) - 1, path);
		return NULL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) != 0) {
		if (errno == ENOENT)
			set_err(err, errlen, "control socket '%s': directory '%s' does not exist "
				"(create it, or set another socket path)", path, dir);
		else
			set_err(err, errlen, "control socket '%s': directory '%s': %s",
				path, dir, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_err(err, errlen, "control socket '%s': '%s' is not a directory", path, dir);
		return NULL;
	}

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			set_err(err, errlen, "control socket '%s': exists and is not a socket "
				"(not removed)", path);
			return NULL;
		}
		rc = probe_live(&sa);
		if (rc > 0) {
			set_err(err, errlen, "control socket '%s': in use by another instance "
				"(a server answers on it)", path);
			return NULL;
		}
		if (rc < 0) {
			set_err(err, errlen, "control socket '%s': cannot check the existing "
				"socket: %s", path, strerror(errno));
			return NULL;
		}
		if (unlink(path) != 0 && errno != ENOENT) {
			set_err(err, errlen, "control socket '%s': cannot remove the stale "
				"socket: %s", path, strerror(errno));
			return NULL;
		}
	} else if (errno != ENOENT) {
		set_err(err, errlen, "control socket '%s': %s", path, strerror(errno));
		return NULL;
	}

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto err_nomem;
	c->lfd = -1;
	c->out_cap = TW_CTL_OUT_CAP;
	c->path = strdup(path);
	if (c->path == NULL)
		goto err_nomem;
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0) {
		set_err(err, errlen, "control socket '%s': socket: %s", path, strerror(errno));
		goto err_free;
	}
	if (bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno == EADDRINUSE)
			set_err(err, errlen, "control socket '%s': in use by another instance "
				"(created concurrently)", path);
		else
			set_err(err, errlen, "control socket '%s': bind: %s", path,
				strerror(errno));
		goto err_free;
	}
	if (lstat(path, &st) == 0) {
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
	if (chmod(path, (mode_t)mode) != 0) {
		set_err(err, errlen, "control socket '%s': chmod %04o: %s", path, mode,
			strerror(errno));
		goto err_unlink;
	}
	if (listen(c->lfd, CTL_BACKLOG) != 0) {
		set_err(err, errlen, "control socket '%s': listen: %s", path, strerror(errno));
		goto err_unlink;
	}
	if (tw_ctl_register(c, "command-list", "list the command names", builtin_command_list, c) != 0 ||
	    tw_ctl_register(c, "help", "describe the commands (arguments: command=NAME for one)",
			    builtin_help, c) != 0) {
		set_err(err, errlen, "control socket '%s': out of memory", path);
		goto err_unlink;
	}
	return c;

err_nomem:
	set_err(err, errlen, "control socket '%s': out of memory", path);
	goto err_free;
err_unlink:
	unlink(path);
err_free:
	if (c != NULL) {
		if (c->lfd >= 0)
			close(c->lfd);
		for (unsigned i = 0; i < c->ncmds; i++) {
			free(c->cmds[i].name);
			free(c->cmds[i].help);
		}
		free(c->cmds);
		free(c->path);
		free(c);
	}
	return NULL;
}

int
tw_ctl_fd(const struct tw_ctl *c)
{
	return c->lfd;
}

void
tw_ctl_counters(const struct tw_ctl *c, struct tw_ctl_counters *out)
{
	*out = c->cnt;
}

int
tw_ctl_set_out_cap(struct tw_ctl *c, size_t bytes)
{
	if (c == NULL || bytes < 4096)
		return -EINVAL;
	c->out_cap = bytes;
	return 0;
}

void
tw_ctl_close(struct tw_ctl *c)
{
	struct stat st;

	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->nclients; i++)
		client_free(c->clients[i]);
	if (c->lfd >= 0)
		close(c->lfd);
	/* unlink only our own socket: another instance may have replaced it */
	if (lstat(c->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	for (unsigned i = 0; i < c->ncmds; i++) {
		free(c->cmds[i].name);
		free(c->cmds[i].help);
	}
	free(c->cmds);
	free(c->path);
	free(c);
}
