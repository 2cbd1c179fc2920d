/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatchctl — send one command to a running tidewatch over its control
 * socket (DESIGN §8, §11) and print the answer: tables for people, one line
 * of JSON for scripts (--json).
 *
 * Exit status: 0 the server answered OK; 1 it answered NOK; 2 usage error,
 * cannot connect, timeout, connection lost or a malformed answer.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <jansson.h>

#if defined(__has_include)
#if __has_include("tw_build.h")
#include "tw_build.h"
#endif
#endif
#ifndef TW_VERSION
#define TW_VERSION "0.1.0"
#endif

#define DEFAULT_SOCKET  "/run/tidewatch/tidewatch.sock"
#define DEFAULT_TIMEOUT 10.0
#define MAX_RESPONSE    (64u * 1024u * 1024u)

#define EXIT_OK    0
#define EXIT_NOK   1
#define EXIT_USAGE 2 /* also: connection, timeout and protocol errors */

static const char *prog = "tidewatchctl";

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--socket PATH] [--json] [--timeout SECONDS] COMMAND [KEY=VALUE...]\n"
		"       %s [OPTIONS] host ADDRESS\n"
		"Send COMMAND to a running tidewatch over its control socket and print the answer.\n"
		"\n"
		"options:\n"
		"  -s, --socket PATH      the control socket (default: $TIDEWATCH_SOCKET, else\n"
		"                         " DEFAULT_SOCKET ")\n"
		"  -j, --json             print the answer's message as one line of JSON (for scripts);\n"
		"                         on NOK the message goes to stderr\n"
		"  -t, --timeout SECONDS  wait at most SECONDS for the answer (default 10, 0 = forever)\n"
		"  -h, --help             print this help\n"
		"  -V, --version          print the version\n"
		"\n"
		"arguments:\n"
		"  KEY=VALUE  sent as \"arguments\":{\"KEY\":VALUE}; VALUE goes as a number, true or\n"
		"             false when it reads as one, else as a string\n"
		"  ADDRESS    for 'host', a bare word is the argument address=ADDRESS\n"
		"\n"
		"'%s help' lists the commands the running tidewatch knows.\n"
		"exit status: 0 OK, 1 the server answered NOK, 2 usage, connection or protocol error\n",
		prog, prog, prog);
}

/* ---- request ------------------------------------------------------------- */

/* A strict JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
is_json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

static json_t *
parse_value(const char *v)
{
	if (strcmp(v, "true") == 0)
		return json_true();
	if (strcmp(v, "false") == 0)
		return json_false();
	if (is_json_number(v)) {
		json_t *n = json_loads(v, JSON_DECODE_ANY, NULL);

		if (n != NULL)
			return n;
		/* e.g. an integer too big for 64 bits: send the text */
	}
	return json_string(v); /* NULL if not valid UTF-8 */
}

static bool
valid_utf8(const char *s)
{
	json_t *t = json_string(s);

	json_decref(t);
	return t != NULL;
}

/* Returns the request, or NULL after printing a usage error. */
static json_t *
build_request(const char *command, int argc, char **argv)
{
	json_t *req = json_object();
	json_t *args = json_object();

	if (req == NULL || args == NULL)
		goto nomem;
	if (!valid_utf8(command)) {
		fprintf(stderr, "%s: the command is not valid UTF-8\n", prog);
		goto fail;
	}
	for (int i = 0; i < argc; i++) {
		const char *word = argv[i];
		const char *eq = strchr(word, '=');
		char *key;
		json_t *val;

		if (eq == NULL) {
			if (strcmp(command, "host") == 0 && json_object_get(args, "address") == NULL) {
				key = strdup("address");
				val = json_string(word);
			} else {
				fprintf(stderr, "%s: unexpected argument '%s': arguments are KEY=VALUE"
					"%s (see --help)\n", prog, word,
					strcmp(command, "host") == 0 ? " after the address" : "");
				goto fail;
			}
		} else if (eq == word) {
			fprintf(stderr, "%s: argument '%s' has no key (KEY=VALUE)\n", prog, word);
			goto fail;
		} else {
			key = strndup(word, (size_t)(eq - word));
			val = parse_value(eq + 1);
		}
		if (key == NULL)
			goto nomem;
		if (val == NULL || !valid_utf8(key)) {
			fprintf(stderr, "%s: argument '%s' is not valid UTF-8\n", prog, word);
			free(key);
			json_decref(val);
			goto fail;
		}
		if (json_object_get(args, key) != NULL) {
			fprintf(stderr, "%s: argument '%s' given twice\n", prog, key);
			free(key);
			json_decref(val);
			goto fail;
		}
		if (json_object_set_new(args, key, val) != 0) {
			free(key);
			goto nomem;
		}
		free(key);
	}
	if (json_object_set_new(req, "command", json_string(command)) != 0)
		goto nomem;
	if (json_object_size(args) > 0) {
		if (json_object_set(req, "arguments", args) != 0)
			goto nomem;
	}
	json_decref(args);
	return req;
nomem:
	fprintf(stderr, "%s: out of memory\n", prog);
fail:
	json_decref(req);
	json_decref(args);
	return NULL;
}

/* ---- transport ----------------------------------------------------------- */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds left until deadline (0 = none: -1 for poll). */
static int
ms_left(double deadline)
{
	double left;

	if (deadline == 0)
		return -1;
	left = deadline - now_s();
	if (left <= 0)
		return 0;
	if (left > 1e6)
		return 1000000000;
	return (int)ceil(left * 1000.0);
}

static void
connect_hint(const char *path, int err)
{
	fprintf(stderr, "%s: cannot connect to '%s': %s\n", prog, path, strerror(err));
	if (err == EACCES || err == EPERM)
		fprintf(stderr, "  the socket is restricted: run as root or as a member of its group\n");
	else
		fprintf(stderr, "  is tidewatch running? It creates the socket when it starts.\n");
	fprintf(stderr, "  set the path with --socket PATH or TIDEWATCH_SOCKET "
		"(default " DEFAULT_SOCKET ")\n");
}

/* Returns a connected non-blocking socket, or -1 after printing why. */
static int
connect_to(const char *path, double timeout)
{
	struct sockaddr_un sa;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path '%s' too long (limit %zu bytes)\n", prog, path,
			sizeof(sa.sun_path) - 1);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
		return -1;
	}
	if (timeout > 0) {
		/* a unix connect() waits for backlog room up to the send timeout */
		struct timeval tv;

		tv.tv_sec = (time_t)timeout;
		tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(fd);
		if (e == EAGAIN || e == EINPROGRESS)
			fprintf(stderr, "%s: '%s': the server accepts no connection (busy?) "
				"within %g s\n", prog, path, timeout);
		else
			connect_hint(path, e);
		return -1;
	}
	return fd; /* blocking, but all I/O below uses poll() and MSG_DONTWAIT */
}

enum xfer { XFER_OK, XFER_TIMEOUT, XFER_CLOSED, XFER_ERROR, XFER_TOO_BIG };

/* Send all of buf. A peer that closes early (EPIPE) may still have left an
 * answer to read (e.g. "too many clients"): the caller reads anyway. */
static enum xfer
send_all(int fd, const char *buf, size_t len, double deadline)
{
	while (len > 0) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t n;
		int r = poll(&p, 1, ms_left(deadline));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return XFER_ERROR;
		if (r == 0)
			return XFER_TIMEOUT;
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				continue;
			if (errno == EPIPE || errno == ECONNRESET)
				return XFER_CLOSED;
			return XFER_ERROR;
		}
		buf += n;
		len -= (size_t)n;
	}
	return XFER_OK;
}

/* Read one line (newline stripped) into *out (malloc'd). */
static enum xfer
recv_line(int fd, double deadline, char **out, size_t *outlen)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);

	*out = NULL;
	if (buf == NULL)
		return XFER_ERROR;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char *nl;
		ssize_t n;
		int r;

		if (len == cap) {
			char *nb;

			if (cap >= MAX_RESPONSE) {
				free(buf);
				return XFER_TOO_BIG;
			}
			nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				return XFER_ERROR;
			}
			buf = nb;
			cap *= 2;
		}
		r = poll(&p, 1, ms_left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto err;
		if (r == 0) {
			free(buf);
			return XFER_TIMEOUT;
		}
		n = recv(fd, buf + len, cap - len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				continue;
			if (errno == ECONNRESET) {
				free(buf);
				return XFER_CLOSED;
			}
			goto err;
		}
		if (n == 0) {
			free(buf);
			return XFER_CLOSED;
		}
		nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
		if (nl != NULL) {
			*nl = '\0';
			*out = buf;
			*outlen = (size_t)(nl - buf);
			return XFER_OK;
		}
	}
err:
	free(buf);
	return XFER_ERROR;
}

/* ---- human output -------------------------------------------------------- */

static bool
is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static bool
is_table(const json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	json_array_foreach(v, i, e)
		if (!json_is_object(e))
			return false;
	return true;
}

static bool
is_scalar_list(const json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return false;
	json_array_foreach(v, i, e)
		if (!is_scalar(e))
			return false;
	return true;
}

static void
fmt_real(char *buf, size_t n, double d)
{
	double a = fabs(d);

	if (d == 0 || (a >= 0.001 && a < 1e15)) {
		char *p;

		snprintf(buf, n, "%.3f", d);
		p = buf + strlen(buf) - 1;
		while (*p == '0')
			*p-- = '\0';
		if (*p == '.')
			*p = '\0';
	} else {
		snprintf(buf, n, "%.4g", d);
	}
}

/* A scalar (or, inside a table cell, any value) as text; malloc'd. */
static char *
text_of(const json_t *v)
{
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(buf);
	case JSON_REAL:
		fmt_real(buf, sizeof(buf), json_real_value(v));
		return strdup(buf);
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_NULL:
		return strdup("-");
	default:
		if (is_scalar_list(v)) {
			size_t i, len = 0;
			json_t *e;
			char *s = strdup("");

			json_array_foreach(v, i, e) {
				char *t = text_of(e);
				char *ns;

				if (s == NULL || t == NULL) {
					free(t);
					break;
				}
				ns = realloc(s, len + strlen(t) + 3);
				if (ns == NULL) {
					free(t);
					break;
				}
				s = ns;
				len += (size_t)sprintf(s + len, "%s%s", i ? ", " : "", t);
				free(t);
			}
			return s;
		}
		return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	}
}

/* Columns on the terminal (or unlimited when stdout is not a terminal). */
static size_t
term_cols(void)
{
	struct winsize ws;
	const char *env;

	if (!isatty(STDOUT_FILENO))
		return (size_t)-1;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	env = getenv("COLUMNS");
	if (env != NULL && atoi(env) > 0)
		return (size_t)atoi(env);
	return 80;
}

/* Display width of UTF-8 text (code points; good enough for names). */
static size_t
dwidth(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static void
pad(size_t n)
{
	while (n-- > 0)
		putchar(' ');
}

static void render_object(const json_t *obj, int indent);

/* Flatten nested objects of a table row into dotted column names. */
static void
flatten(const json_t *obj, const char *prefix, json_t *flat)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		char *name;

		if (prefix != NULL) {
			name = malloc(strlen(prefix) + strlen(key) + 2);
			if (name == NULL)
				continue;
			sprintf(name, "%s.%s", prefix, key);
		} else {
			name = strdup(key);
			if (name == NULL)
				continue;
		}
		if (json_is_object(v) && json_object_size(v) > 0)
			flatten(v, name, flat);
		else
			json_object_set(flat, name, v);
		free(name);
	}
}

struct column {
	const char *name;
	size_t width;
	bool numeric;
};

/* An array of objects: an aligned table, columns = union of the keys in
 * first-seen order, numbers right-aligned; transposed into one block per row
 * when it would not fit the terminal. */
static void
render_table(const json_t *arr, int indent)
{
	size_t nrows = json_array_size(arr), ncols, i, c;
	json_t **rows = calloc(nrows, sizeof(*rows));
	json_t *cols = json_object();
	struct column *col = NULL;
	char ***cell = NULL;
	size_t total = (size_t)indent;
	const char *key;
	json_t *v;

	if (rows == NULL || cols == NULL)
		goto out;
	for (i = 0; i < nrows; i++) {
		rows[i] = json_object();
		if (rows[i] == NULL)
			goto out;
		flatten(json_array_get(arr, i), NULL, rows[i]);
		json_object_foreach(rows[i], key, v)
			if (json_object_get(cols, key) == NULL)
				json_object_set_new(cols, key, json_true());
	}
	ncols = json_object_size(cols);
	col = calloc(ncols ? ncols : 1, sizeof(*col));
	cell = calloc(nrows, sizeof(*cell));
	if (col == NULL || cell == NULL)
		goto out;
	c = 0;
	json_object_foreach(cols, key, v) {
		col[c].name = key;
		col[c].width = dwidth(key);
		col[c].numeric = true;
		c++;
	}
	for (i = 0; i < nrows; i++) {
		cell[i] = calloc(ncols ? ncols : 1, sizeof(**cell));
		if (cell[i] == NULL)
			goto out;
		for (c = 0; c < ncols; c++) {
			json_t *x = json_object_get(rows[i], col[c].name);

			cell[i][c] = x != NULL ? text_of(x) : strdup("-");
			if (cell[i][c] == NULL)
				goto out;
			if (x != NULL && !json_is_number(x) && !json_is_null(x))
				col[c].numeric = false;
			if (dwidth(cell[i][c]) > col[c].width)
				col[c].width = dwidth(cell[i][c]);
		}
	}
	for (c = 0; c < ncols; c++)
		total += col[c].width + 2;

	if (total > term_cols() && ncols > 1) {
		/* too wide: one block per row, headed by its first column */
		size_t kw = 0;

		for (c = 1; c < ncols; c++)
			if (dwidth(col[c].name) > kw)
				kw = dwidth(col[c].name);
		for (i = 0; i < nrows; i++) {
			pad((size_t)indent);
			printf("%s %s:\n", col[0].name, cell[i][0]);
			for (c = 1; c < ncols; c++) {
				pad((size_t)indent + 2);
				printf("%s:", col[c].name);
				pad(kw - dwidth(col[c].name) + 1);
				printf("%s\n", cell[i][c]);
			}
		}
		goto out;
	}
	/* header, rule, rows */
	for (int line = -2; line < (int)nrows; line++) {
		pad((size_t)indent);
		for (c = 0; c < ncols; c++) {
			const char *t = line == -2 ? col[c].name : line == -1 ? NULL :
					cell[line][c];
			size_t w = t != NULL ? dwidth(t) : col[c].width;
			bool last = c + 1 == ncols;

			if (t == NULL) {
				for (size_t k = 0; k < w; k++)
					putchar('-');
			} else if (col[c].numeric) {
				pad(col[c].width - w);
				fputs(t, stdout);
			} else {
				fputs(t, stdout);
				if (!last)
					pad(col[c].width - w);
			}
			if (!last)
				fputs("  ", stdout);
		}
		putchar('\n');
	}
out:
	if (cell != NULL) {
		for (i = 0; i < nrows; i++) {
			if (cell[i] == NULL)
				continue;
			for (c = 0; c < json_object_size(cols); c++)
				free(cell[i][c]);
			free(cell[i]);
		}
	}
	free(cell);
	free(col);
	if (rows != NULL)
		for (i = 0; i < nrows; i++)
			json_decref(rows[i]);
	free(rows);
	json_decref(cols);
}

/* Values printed on the key's own line. */
static bool
inline_value(const json_t *v)
{
	return is_scalar(v) || is_scalar_list(v) ||
	       (json_is_object(v) && json_object_size(v) == 0);
}

/* An object: "key: value" lines (values aligned) for scalars; nested
 * objects as indented sections; arrays of objects as tables. */
static void
render_object(const json_t *obj, int indent)
{
	size_t kw = 0;
	bool printed = false, after_section = false;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v)
		if (inline_value(v) && dwidth(key) > kw)
			kw = dwidth(key);
	json_object_foreach((json_t *)obj, key, v) {
		if (inline_value(v)) {
			char *t = json_is_object(v) ? strdup("-") :
				  json_is_array(v) && json_array_size(v) == 0 ? strdup("(none)") :
				  text_of(v);

			if (after_section && indent == 0)
				putchar('\n');
			pad((size_t)indent);
			printf("%s:", key);
			pad(kw - dwidth(key) + 1);
			printf("%s\n", t != NULL ? t : "?");
			free(t);
			printed = true;
			after_section = false;
			continue;
		}
		if (printed && indent == 0)
			putchar('\n');
		pad((size_t)indent);
		printf("%s:\n", key);
		if (json_is_object(v)) {
			render_object(v, indent + 2);
		} else if (is_table(v)) {
			render_table(v, indent + 2);
		} else { /* a mixed array */
			size_t i;
			json_t *e;

			json_array_foreach(v, i, e) {
				char *t = text_of(e);

				pad((size_t)indent + 2);
				printf("- %s\n", t != NULL ? t : "?");
				free(t);
			}
		}
		printed = true;
		after_section = true;
	}
}

static void
render(const json_t *msg)
{
	if (json_is_object(msg)) {
		render_object(msg, 0);
	} else if (is_table(msg)) {
		render_table(msg, 0);
	} else if (json_is_array(msg)) {
		size_t i;
		json_t *e;

		json_array_foreach(msg, i, e) {
			char *t = text_of(e);

			printf("%s\n", t != NULL ? t : "?");
			free(t);
		}
	} else {
		char *t = text_of(msg);

		printf("%s\n", t != NULL ? t : "?");
		free(t);
	}
}

/* ---- main ---------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("TIDEWATCH_SOCKET");
	double timeout = DEFAULT_TIMEOUT, deadline;
	bool json_out = false, ok;
	json_t *req, *resp, *ret, *msg;
	json_error_t jerr;
	char *line, *reqs;
	size_t linelen;
	enum xfer x;
	int opt, fd, rc;

	if (path == NULL || path[0] == '\0')
		path = DEFAULT_SOCKET;
	while ((opt = getopt_long(argc, argv, "+s:jt:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json_out = true;
			break;
		case 't': {
			char *end;

			errno = 0;
			timeout = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' || !isfinite(timeout) ||
			    timeout < 0 || timeout > 1e6) {
				fprintf(stderr, "%s: --timeout '%s': expected seconds "
					"(e.g. 2.5; 0 = wait forever)\n", prog, optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("tidewatchctl %s\n", TW_VERSION);
			return EXIT_OK;
		default:
			fprintf(stderr, "(see %s --help)\n", prog);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: missing COMMAND ('%s help' lists them; --help for usage)\n",
			prog, prog);
		return EXIT_USAGE;
	}
	if (path[0] == '\0') {
		fprintf(stderr, "%s: --socket: empty path\n", prog);
		return EXIT_USAGE;
	}
	req = build_request(argv[optind], argc - optind - 1, argv + optind + 1);
	if (req == NULL)
		return EXIT_USAGE;
	reqs = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (reqs == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_USAGE;
	}

	deadline = timeout > 0 ? now_s() + timeout : 0;
	fd = connect_to(path, timeout);
	if (fd < 0) {
		free(reqs);
		return EXIT_USAGE;
	}
	x = send_all(fd, reqs, strlen(reqs), deadline);
	if (x == XFER_OK)
		x = send_all(fd, "\n", 1, deadline);
	free(reqs);
	if (x == XFER_OK || x == XFER_CLOSED)
		x = recv_line(fd, deadline, &line, &linelen);
	close(fd);
	switch (x) {
	case XFER_OK:
		break;
	case XFER_TIMEOUT:
		fprintf(stderr, "%s: no answer from '%s' within %g s (--timeout SECONDS)\n",
			prog, path, timeout);
		return EXIT_USAGE;
	case XFER_CLOSED:
		fprintf(stderr, "%s: '%s': the server closed the connection without answering\n",
			prog, path);
		return EXIT_USAGE;
	case XFER_TOO_BIG:
		fprintf(stderr, "%s: '%s': answer larger than %u bytes\n", prog, path,
			MAX_RESPONSE);
		return EXIT_USAGE;
	case XFER_ERROR:
	default:
		fprintf(stderr, "%s: '%s': %s\n", prog, path, strerror(errno));
		return EXIT_USAGE;
	}

	resp = json_loadb(line, linelen, 0, &jerr);
	free(line);
	ret = json_object_get(resp, "return");
	msg = json_object_get(resp, "message");
	if (!json_is_string(ret) || msg == NULL ||
	    (strcmp(json_string_value(ret), "OK") != 0 &&
	     strcmp(json_string_value(ret), "NOK") != 0)) {
		if (resp == NULL)
			fprintf(stderr, "%s: malformed answer (column %d: %s)\n", prog,
				jerr.column, jerr.text);
		else
			fprintf(stderr, "%s: malformed answer (expected \"return\" OK or NOK "
				"and a \"message\")\n", prog);
		json_decref(resp);
		return EXIT_USAGE;
	}
	ok = strcmp(json_string_value(ret), "OK") == 0;
	rc = ok ? EXIT_OK : EXIT_NOK;
	if (!ok) {
		char *t = text_of(msg);

		if (json_out)
			fprintf(stderr, "%s\n", t != NULL ? t : "?");
		else
			fprintf(stderr, "%s: %s\n", prog, t != NULL ? t : "?");
		free(t);
	} else if (json_out) {
		char *t = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);

		if (t == NULL) {
			fprintf(stderr, "%s: out of memory\n", prog);
			rc = EXIT_USAGE;
		} else {
			printf("%s\n", t);
			free(t);
		}
	} else {
		render(msg);
	}
	json_decref(resp);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: writing the output: %s\n", prog, strerror(errno));
		return EXIT_USAGE;
	}
	return rc;
}
