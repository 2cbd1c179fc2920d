/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the control socket server (ctl/ctl.c), driven in-process by
 * client sockets while tw_ctl_poll() runs in a loop, and end-to-end tests of
 * the tidewatchctl binary (path in env TIDEWATCHCTL) against a forked server.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "ctl/ctl.h"

/* ---- fixture ------------------------------------------------------------- */

static char tmpdir[32];
static char sockpath[96];
static struct tw_ctl *srv;

static json_t *
h_echo(json_t *args, void *ctx, char *err, size_t errlen)
{
	return json_incref(args);
}

static json_t *
h_fail(json_t *args, void *ctx, char *err, size_t errlen)
{
	snprintf(err, errlen, "it failed: %s", (const char *)ctx);
	return NULL;
}

static json_t *
h_fail_silent(json_t *args, void *ctx, char *err, size_t errlen)
{
	return NULL;
}

/* a string of arguments.size bytes */
static json_t *
h_big(json_t *args, void *ctx, char *err, size_t errlen)
{
	size_t n = (size_t)json_integer_value(json_object_get(args, "size"));
	char *s = malloc(n + 1);
	json_t *v;

	memset(s, 'x', n);
	s[n] = '\0';
	v = json_string(s);
	free(s);
	return v;
}

static json_t *
h_stats(json_t *args, void *ctx, char *err, size_t errlen)
{
	return json_pack("{s:i, s:s, s:[{s:i, s:s, s:I, s:I}, {s:i, s:s, s:I, s:I}],"
			 " s:[{s:i, s:I, s:I, s:{s:I, s:I}}], s:{s:s, s:I}}",
			 "uptime_s", 42, "mode", "offline",
			 "ports",
			 "port", 0, "name", "net_pcap0", "rx_packets", (json_int_t)1234567,
			 "rx_bytes", (json_int_t)987654321,
			 "port", 1, "name", "p1", "rx_packets", (json_int_t)5,
			 "rx_bytes", (json_int_t)300,
			 "workers",
			 "lcore", 1, "rx_packets", (json_int_t)1234572, "decode_errors",
			 (json_int_t)3, "drops", "ring_full", (json_int_t)7, "nombuf",
			 (json_int_t)0,
			 "output", "file", "-", "records", (json_int_t)99);
}

static json_t *
h_scalar(json_t *args, void *ctx, char *err, size_t errlen)
{
	return json_string("hello world");
}

static void
setup(void)
{
	char err[256];

	signal(SIGPIPE, SIG_DFL); /* the library must not rely on it being ignored */
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/twctl-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(sockpath, sizeof(sockpath), "%s/tw.sock", tmpdir);
	srv = tw_ctl_open(sockpath, 0660, err, sizeof(err));
	cr_assert_not_null(srv, "open: %s", err);
	cr_assert_eq(tw_ctl_register(srv, "echo", "echo the arguments", h_echo, NULL), 0);
	cr_assert_eq(tw_ctl_register(srv, "fail", "always fails", h_fail, "ctx"), 0);
	cr_assert_eq(tw_ctl_register(srv, "fail-silent", NULL, h_fail_silent, NULL), 0);
	cr_assert_eq(tw_ctl_register(srv, "big", "a big string", h_big, NULL), 0);
	cr_assert_eq(tw_ctl_register(srv, "stats", "counters", h_stats, NULL), 0);
	cr_assert_eq(tw_ctl_register(srv, "scalar", "a string", h_scalar, NULL), 0);
}

static void
teardown(void)
{
	char cmd[128];

	tw_ctl_close(srv);
	srv = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0) {
		/* leave it */
	}
}

TestSuite(ctl, .init = setup, .fini = teardown, .timeout = 30);

/* ---- a client connection, pumping the server while it waits --------------- */

struct conn {
	int fd;
	char *buf;
	size_t len;
	size_t cap;
	bool eof;
};

static struct conn *
conn_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct conn *k = calloc(1, sizeof(*k));

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sockpath);
	k->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(k->fd, 0);
	cr_assert_eq(connect(k->fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect: %s",
		     strerror(errno));
	return k;
}

static void
conn_close(struct conn *k)
{
	if (k->fd >= 0)
		close(k->fd);
	free(k->buf);
	free(k);
}

static void
pump(int times)
{
	for (int i = 0; i < times; i++)
		cr_assert_geq(tw_ctl_poll(srv), 0);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
conn_send(struct conn *k, const char *s, size_t n)
{
	double end = now_s() + 10;

	while (n > 0) {
		ssize_t w = send(k->fd, s, n, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0) {
			cr_assert(errno == EAGAIN || errno == EWOULDBLOCK, "send: %s",
				  strerror(errno));
			cr_assert_lt(now_s(), end, "send timed out");
			pump(1);
			usleep(100);
			continue;
		}
		s += w;
		n -= (size_t)w;
	}
}

static void
conn_sends(struct conn *k, const char *s)
{
	conn_send(k, s, strlen(s));
}

/* Read what is there; returns false once EOF/reset. */
static bool
conn_fill(struct conn *k)
{
	for (;;) {
		ssize_t r;

		if (k->cap - k->len < 65536) {
			k->cap = k->cap ? k->cap * 2 : 131072;
			k->buf = realloc(k->buf, k->cap);
		}
		r = recv(k->fd, k->buf + k->len, k->cap - k->len - 1, MSG_DONTWAIT);
		if (r > 0) {
			k->len += (size_t)r;
			continue;
		}
		if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
			k->eof = true;
			return false;
		}
		return true;
	}
}

/* Next response line (malloc'd, newline stripped), or NULL on EOF. Pumps
 * the server until then; fails the test after 10 s. */
static char *
conn_line(struct conn *k)
{
	double end = now_s() + 10;

	for (;;) {
		char *nl = k->len ? memchr(k->buf, '\n', k->len) : NULL;

		if (nl != NULL) {
			size_t n = (size_t)(nl - k->buf);
			char *line = strndup(k->buf, n);

			memmove(k->buf, nl + 1, k->len - n - 1);
			k->len -= n + 1;
			return line;
		}
		if (k->eof)
			return NULL;
		pump(1);
		conn_fill(k);
		if (k->len == 0 || memchr(k->buf, '\n', k->len) == NULL) {
			cr_assert_lt(now_s(), end, "no response within 10 s");
			usleep(200);
		}
	}
}

/* Next response, parsed and shape-checked; *ok tells OK/NOK. */
static json_t *
conn_resp(struct conn *k, bool *ok)
{
	char *line = conn_line(k);
	json_error_t jerr;
	json_t *r, *ret;

	cr_assert_not_null(line, "connection closed instead of a response");
	r = json_loads(line, 0, &jerr);
	cr_assert_not_null(r, "bad response JSON '%s': %s", line, jerr.text);
	free(line);
	cr_assert(json_is_object(r));
	cr_assert_eq(json_object_size(r), 2, "response has exactly return and message");
	ret = json_object_get(r, "return");
	cr_assert(json_is_string(ret));
	cr_assert(json_object_get(r, "message") != NULL);
	*ok = strcmp(json_string_value(ret), "OK") == 0;
	cr_assert(*ok || strcmp(json_string_value(ret), "NOK") == 0);
	return r;
}

static json_t *
expect_ok(struct conn *k)
{
	bool ok;
	json_t *r = conn_resp(k, &ok);
	json_t *m = json_incref(json_object_get(r, "message"));

	cr_assert(ok, "expected OK, got NOK %s", json_string_value(m));
	json_decref(r);
	return m;
}

/* NOK whose message contains want */
static void
expect_nok(struct conn *k, const char *want)
{
	bool ok;
	json_t *r = conn_resp(k, &ok);
	json_t *m = json_object_get(r, "message");

	cr_assert(!ok, "expected NOK");
	cr_assert(json_is_string(m), "NOK message is a string");
	cr_assert_not_null(strstr(json_string_value(m), want), "NOK '%s' lacks '%s'",
			   json_string_value(m), want);
	json_decref(r);
}

static void
expect_eof(struct conn *k)
{
	char *line = conn_line(k);

	cr_assert_null(line, "expected the connection closed, got '%s'", line);
}

/* ---- protocol ------------------------------------------------------------- */

Test(ctl, ok_response_shape)
{
	struct conn *k = conn_open();
	char *line;

	conn_sends(k, "{\"command\":\"echo\"}\n");
	line = conn_line(k);
	cr_assert_str_eq(line, "{\"return\":\"OK\",\"message\":{}}");
	free(line);
	conn_close(k);
}

Test(ctl, arguments_passed_through)
{
	struct conn *k = conn_open();
	json_t *m, *want = json_pack("{s:i, s:s, s:b, s:[i,i], s:{s:n}}", "a", 1, "b", "x",
				     "c", 1, "d", 1, 2, "e", "f");

	conn_sends(k, "{\"command\":\"echo\",\"arguments\":"
		   "{\"a\":1,\"b\":\"x\",\"c\":true,\"d\":[1,2],\"e\":{\"f\":null}}}\n");
	m = expect_ok(k);
	cr_assert(json_equal(m, want));
	/* null arguments = none */
	conn_sends(k, "{\"arguments\":null,\"command\":\"echo\"}\n");
	json_decref(m);
	m = expect_ok(k);
	cr_assert_eq(json_object_size(m), 0);
	json_decref(m);
	json_decref(want);
	conn_close(k);
}

Test(ctl, unknown_command)
{
	struct conn *k = conn_open();
	char *line;

	conn_sends(k, "{\"command\":\"nope\"}\n");
	line = conn_line(k);
	cr_assert_str_eq(line, "{\"return\":\"NOK\",\"message\":\"unknown command 'nope' (try help)\"}");
	free(line);
	conn_close(k);
}

Test(ctl, handler_errors)
{
	struct conn *k = conn_open();
	struct tw_ctl_counters cnt;

	conn_sends(k, "{\"command\":\"fail\"}\n");
	expect_nok(k, "it failed: ctx");
	conn_sends(k, "{\"command\":\"fail-silent\"}\n");
	expect_nok(k, "command 'fail-silent' failed");
	tw_ctl_counters(srv, &cnt);
	cr_assert_eq(cnt.requests, 2);
	cr_assert_eq(cnt.errors, 2);
	conn_close(k);
}

Test(ctl, bad_requests_keep_connection)
{
	struct conn *k = conn_open();
	json_t *m;

	conn_sends(k, "{\"command\": \"echo\", oops}\n");
	expect_nok(k, "invalid JSON at column");
	conn_sends(k, "[1,2]\n");
	expect_nok(k, "must be a JSON object");
	conn_sends(k, "{\"arguments\":{}}\n");
	expect_nok(k, "missing \"command\"");
	conn_sends(k, "{\"command\":7}\n");
	expect_nok(k, "missing \"command\"");
	conn_sends(k, "{\"command\":\"echo\",\"arguments\":[1]}\n");
	expect_nok(k, "\"arguments\" must be an object");
	conn_sends(k, "{\"command\":\"echo\",\"command\":\"echo\"}\n");
	expect_nok(k, "invalid JSON");
	conn_sends(k, "{\"command\":\"echo\",\"arguments\":{\"z\":0}}\n");
	m = expect_ok(k);
	cr_assert_eq(json_integer_value(json_object_get(m, "z")), 0);
	json_decref(m);
	conn_close(k);
}

Test(ctl, invalid_json_names_column)
{
	struct conn *k = conn_open();
	bool ok;
	json_t *r;

	conn_sends(k, "{\"command\":\"echo\"x}\n");
	r = conn_resp(k, &ok);
	cr_assert(!ok);
	cr_assert_not_null(strstr(json_string_value(json_object_get(r, "message")),
				  "column 18"), "%s",
			   json_string_value(json_object_get(r, "message")));
	json_decref(r);
	conn_close(k);
}

Test(ctl, blank_lines_and_crlf)
{
	struct conn *k = conn_open();
	json_t *m;
	struct tw_ctl_counters cnt;

	conn_sends(k, "\n  \r\n{\"command\":\"echo\",\"arguments\":{\"v\":1}}\r\n");
	m = expect_ok(k);
	cr_assert_eq(json_integer_value(json_object_get(m, "v")), 1);
	json_decref(m);
	tw_ctl_counters(srv, &cnt);
	cr_assert_eq(cnt.requests, 1, "blank lines are not requests");
	conn_close(k);
}

Test(ctl, pipelined_in_order)
{
	struct conn *k = conn_open();
	json_t *m;

	conn_sends(k, "{\"command\":\"echo\",\"arguments\":{\"n\":1}}\n"
		   "{\"command\":\"nope\"}\n"
		   "{\"command\":\"echo\",\"arguments\":{\"n\":2}}\n");
	m = expect_ok(k);
	cr_assert_eq(json_integer_value(json_object_get(m, "n")), 1);
	json_decref(m);
	expect_nok(k, "unknown command");
	m = expect_ok(k);
	cr_assert_eq(json_integer_value(json_object_get(m, "n")), 2);
	json_decref(m);
	conn_close(k);
}

Test(ctl, many_pipelined_bounded_per_poll)
{
	struct conn *k = conn_open();
	char req[64];
	int n = 0, r;

	for (int i = 0; i < 200; i++) {
		snprintf(req, sizeof(req), "{\"command\":\"echo\",\"arguments\":{\"n\":%d}}\n", i);
		conn_sends(k, req);
	}
	for (int i = 0; i < 20 && n < 200; i++) {
		r = tw_ctl_poll(srv);
		cr_assert_geq(r, 0);
		cr_assert_leq(r, 64, "bounded work per poll, got %d", r);
		n += r;
		conn_fill(k);
	}
	for (int i = 0; i < 200; i++) {
		json_t *m = expect_ok(k);

		cr_assert_eq(json_integer_value(json_object_get(m, "n")), i);
		json_decref(m);
	}
	conn_close(k);
}

Test(ctl, request_split_over_writes)
{
	struct conn *k = conn_open();
	json_t *m;

	conn_sends(k, "{\"comm");
	pump(3);
	conn_fill(k);
	cr_assert_eq(k->len, 0, "no answer to half a request");
	conn_sends(k, "and\":\"echo\",\"argu");
	pump(3);
	conn_fill(k);
	cr_assert_eq(k->len, 0);
	conn_sends(k, "ments\":{\"s\":\"t\"}}");
	pump(3);
	conn_fill(k);
	cr_assert_eq(k->len, 0, "no answer before the newline");
	conn_sends(k, "\n");
	m = expect_ok(k);
	cr_assert_str_eq(json_string_value(json_object_get(m, "s")), "t");
	json_decref(m);
	conn_close(k);
}

static char *
padded_request(size_t linelen)
{
	const char *head = "{\"command\":\"echo\",\"arguments\":{\"p\":\"";
	const char *tail = "\"}}";
	char *s = malloc(linelen + 2);
	size_t h = strlen(head), t = strlen(tail);

	memcpy(s, head, h);
	memset(s + h, 'a', linelen - h - t);
	memcpy(s + linelen - t, tail, t);
	s[linelen] = '\n';
	s[linelen + 1] = '\0';
	return s;
}

Test(ctl, request_of_exactly_64k_accepted)
{
	struct conn *k = conn_open();
	char *req = padded_request(TW_CTL_MAX_REQUEST);
	json_t *m;

	conn_sends(k, req);
	m = expect_ok(k);
	cr_assert_eq(strlen(json_string_value(json_object_get(m, "p"))),
		     TW_CTL_MAX_REQUEST - strlen("{\"command\":\"echo\",\"arguments\":{\"p\":\"\"}}"));
	json_decref(m);
	free(req);
	conn_close(k);
}

Test(ctl, oversize_request_closes_client)
{
	struct conn *k = conn_open(), *other = conn_open();
	char *req = padded_request(TW_CTL_MAX_REQUEST + 1);
	struct tw_ctl_counters cnt;
	json_t *m;

	conn_sends(k, req);
	expect_nok(k, "request too long");
	expect_eof(k);
	tw_ctl_counters(srv, &cnt);
	cr_assert_eq(cnt.clients_dropped, 1);
	/* others unaffected */
	conn_sends(other, "{\"command\":\"echo\"}\n");
	m = expect_ok(other);
	json_decref(m);
	free(req);
	conn_close(k);
	conn_close(other);
}

Test(ctl, oversize_without_newline)
{
	struct conn *k = conn_open();
	size_t n = 3 * TW_CTL_MAX_REQUEST;
	char *junk = malloc(n);

	memset(junk, ' ', n);
	conn_send(k, junk, n);
	expect_nok(k, "request too long");
	expect_eof(k);
	free(junk);
	conn_close(k);
}

Test(ctl, seventeenth_client_refused)
{
	struct conn *k[TW_CTL_MAX_CLIENTS + 1];
	struct tw_ctl_counters cnt;
	json_t *m;

	for (unsigned i = 0; i < TW_CTL_MAX_CLIENTS; i++) {
		k[i] = conn_open();
		pump(1);
	}
	pump(2);
	tw_ctl_counters(srv, &cnt);
	cr_assert_eq(cnt.clients_accepted, TW_CTL_MAX_CLIENTS);
	k[TW_CTL_MAX_CLIENTS] = conn_open();
	expect_nok(k[TW_CTL_MAX_CLIENTS], "too many clients");
	expect_eof(k[TW_CTL_MAX_CLIENTS]);
	tw_ctl_counters(srv, &cnt);
	cr_assert_eq(cnt.clients_refused, 1);
	/* all 16 still served */
	for (unsigned i = 0; i < TW_CTL_MAX_CLIENTS; i++) {
		conn_sends(k[i], "{\"command\":\"echo\"}\n");
		m = expect_ok(k[i]);
		json_decref(m);
	}
	/* a slot frees when a client leaves */
	conn_close(k[0]);
	pump(3);
	k[0] = conn_open();
	conn_sends(k[0], "{\"command\":\"echo\"}\n");
	m = expect_ok(k[0]);
	json_decref(m);
	for (unsigned i = 0; i <= TW_CTL_MAX_CLIENTS; i++)
		conn_close(k[i]);
}

Test(ctl, disconnect_mid_request_harmless)
{
	struct conn *a = conn_open(), *b = conn_open();
	struct tw_ctl_counters cnt;
	json_t *m;

	conn_sends(a, "{\"command\":\"ech");
	pump(3);
	conn_sends(b, "{\"command\":\"echo\",");
	pump(2);
	close(a->fd);
	a->fd = -1;
	pump(3);
	conn_sends(b, "\"arguments\":{\"b\":1}}\n");
	m = expect_ok(b);
	cr_assert_eq(json_integer_value(json_object_get(m, "b")), 1);
	json_decref(m);
	tw_ctl_counters(srv, &cnt);
	cr_assert_eq(cnt.requests, 1, "the half request is discarded, not answered");
	cr_assert_eq(cnt.errors, 0);
	cr_assert_eq(cnt.clients_dropped, 0);
	conn_close(a);
	conn_close(b);
}

Test(ctl, peer_gone_before_answer_no_sigpipe)
{
	struct conn *a = conn_open(), *b = conn_open();
	json_t *m;

	/* a big answer to a peer that closed: send() fails with EPIPE, and with
	 * SIGPIPE at its default action the test process would die */
	conn_sends(a, "{\"command\":\"big\",\"arguments\":{\"size\":1000000}}\n"
		   "{\"command\":\"echo\"}\n");
	close(a->fd);
	a->fd = -1;
	pump(10);
	conn_sends(b, "{\"command\":\"echo\"}\n");
	m = expect_ok(b);
	json_decref(m);
	conn_close(a);
	conn_close(b);
}

Test(ctl, half_close_still_answered)
{
	struct conn *k = conn_open();
	json_t *m;

	conn_sends(k, "{\"command\":\"echo\",\"arguments\":{\"h\":1}}\n{\"command\":\"echo\"");
	shutdown(k->fd, SHUT_WR);
	m = expect_ok(k);
	cr_assert_eq(json_integer_value(json_object_get(m, "h")), 1);
	json_decref(m);
	expect_eof(k); /* the unterminated tail is not a request */
	conn_close(k);
}

Test(ctl, large_response_slow_reader)
{
	struct conn *k = conn_open();
	json_t *m;

	/* 3 MiB answer: far more than a socket buffer; buffered and drained
	 * over many polls while the client reads slowly */
	conn_sends(k, "{\"command\":\"big\",\"arguments\":{\"size\":3000000}}\n");
	pump(20);
	m = expect_ok(k);
	cr_assert_eq(strlen(json_string_value(m)), 3000000);
	json_decref(m);
	conn_close(k);
}

Test(ctl, response_over_cap_is_nok)
{
	struct conn *k = conn_open();
	json_t *m;

	cr_assert_eq(tw_ctl_set_out_cap(srv, 65536), 0);
	cr_assert_eq(tw_ctl_set_out_cap(srv, 10), -EINVAL);
	conn_sends(k, "{\"command\":\"big\",\"arguments\":{\"size\":100000}}\n");
	expect_nok(k, "response too large");
	conn_sends(k, "{\"command\":\"big\",\"arguments\":{\"size\":1000}}\n");
	m = expect_ok(k);
	cr_assert_eq(strlen(json_string_value(m)), 1000);
	json_decref(m);
	conn_close(k);
}

Test(ctl, output_cap_drops_client_that_never_reads)
{
	struct conn *k = conn_open(), *other = conn_open();
	struct tw_ctl_counters cnt;
	char req[128];
	json_t *m;

	cr_assert_eq(tw_ctl_set_out_cap(srv, 65536), 0);
	snprintf(req, sizeof(req), "{\"command\":\"big\",\"arguments\":{\"size\":40000}}\n");
	/* 8 MB of answers: more than any socket buffer plus the cap */
	for (int i = 0; i < 200; i++)
		conn_sends(k, req);
	for (int i = 0; i < 400; i++) {
		pump(1);
		tw_ctl_counters(srv, &cnt);
		if (cnt.clients_dropped == 1)
			break;
	}
	cr_assert_eq(cnt.clients_dropped, 1, "a client over the output cap is dropped");
	/* what was sent before the drop can be read, then EOF */
	for (;;) {
		char *line = conn_line(k);

		if (line == NULL)
			break;
		free(line);
	}
	conn_sends(other, "{\"command\":\"echo\"}\n");
	m = expect_ok(other);
	json_decref(m);
	conn_close(k);
	conn_close(other);
}

Test(ctl, counters)
{
	struct conn *k = conn_open();
	struct tw_ctl_counters cnt;
	json_t *m;

	conn_sends(k, "{\"command\":\"echo\"}\n{\"command\":\"x\"}\n");
	m = expect_ok(k);
	json_decref(m);
	expect_nok(k, "unknown");
	tw_ctl_counters(srv, &cnt);
	cr_assert_eq(cnt.requests, 2);
	cr_assert_eq(cnt.errors, 1);
	cr_assert_eq(cnt.clients_accepted, 1);
	cr_assert_eq(cnt.clients_refused, 0);
	cr_assert_eq(cnt.clients_dropped, 0);
	conn_close(k);
}

/* ---- built-ins and registry ---------------------------------------------- */

Test(ctl, builtin_command_list)
{
	struct conn *k = conn_open();
	const char *want[] = { "big", "command-list", "echo", "fail", "fail-silent", "help",
			       "scalar", "stats" };
	json_t *m;

	conn_sends(k, "{\"command\":\"command-list\"}\n");
	m = expect_ok(k);
	cr_assert(json_is_array(m));
	cr_assert_eq(json_array_size(m), 8);
	for (size_t i = 0; i < 8; i++)
		cr_assert_str_eq(json_string_value(json_array_get(m, i)), want[i]);
	json_decref(m);
	conn_close(k);
}

Test(ctl, builtin_help)
{
	struct conn *k = conn_open();
	json_t *m;

	conn_sends(k, "{\"command\":\"help\"}\n");
	m = expect_ok(k);
	cr_assert(json_is_object(m));
	cr_assert_str_eq(json_string_value(json_object_get(m, "echo")), "echo the arguments");
	cr_assert_str_eq(json_string_value(json_object_get(m, "fail-silent")), "");
	cr_assert_not_null(json_object_get(m, "help"));
	cr_assert_not_null(json_object_get(m, "command-list"));
	json_decref(m);
	conn_sends(k, "{\"command\":\"help\",\"arguments\":{\"command\":\"big\"}}\n");
	m = expect_ok(k);
	cr_assert_eq(json_object_size(m), 1);
	cr_assert_str_eq(json_string_value(json_object_get(m, "big")), "a big string");
	json_decref(m);
	conn_sends(k, "{\"command\":\"help\",\"arguments\":{\"command\":\"zz\"}}\n");
	expect_nok(k, "unknown command 'zz'");
	conn_close(k);
}

static json_t *
h_registers(json_t *args, void *ctx, char *err, size_t errlen)
{
	char name[32];

	/* moving the command table under the running handler must be safe */
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "dyn%02d", i);
		tw_ctl_register(ctx, name, "dynamic", h_echo, NULL);
	}
	return json_true();
}

Test(ctl, register_rules)
{
	struct conn *k = conn_open();
	json_t *m;

	cr_assert_eq(tw_ctl_register(srv, "echo", "", h_echo, NULL), -EEXIST);
	cr_assert_eq(tw_ctl_register(srv, "help", "", h_echo, NULL), -EEXIST);
	cr_assert_eq(tw_ctl_register(srv, "", "", h_echo, NULL), -EINVAL);
	cr_assert_eq(tw_ctl_register(srv, "has space", "", h_echo, NULL), -EINVAL);
	cr_assert_eq(tw_ctl_register(srv, "x", "", NULL, NULL), -EINVAL);
	cr_assert_eq(tw_ctl_register(srv, "/tidewatch/stats", "path-like", h_echo, NULL), 0);
	cr_assert_eq(tw_ctl_register(srv, "reg", "", h_registers, srv), 0);
	conn_sends(k, "{\"command\":\"reg\"}\n{\"command\":\"dyn39\",\"arguments\":{\"q\":2}}\n");
	m = expect_ok(k);
	cr_assert(json_is_true(m));
	json_decref(m);
	m = expect_ok(k);
	cr_assert_eq(json_integer_value(json_object_get(m, "q")), 2);
	json_decref(m);
	conn_close(k);
}

/* ---- open / close ------------------------------------------------------- */

Test(ctl, socket_mode_applied)
{
	struct stat st;
	char err[256], path[96];
	struct tw_ctl *c;

	cr_assert_eq(stat(sockpath, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0660);
	snprintf(path, sizeof(path), "%s/b.sock", tmpdir);
	c = tw_ctl_open(path, 0600, err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_geq(tw_ctl_fd(c), 0);
	tw_ctl_close(c);
	cr_assert_neq(stat(path, &st), 0, "close unlinks the socket");
}

Test(ctl, live_socket_in_use)
{
	char err[256] = "";
	struct tw_ctl *c = tw_ctl_open(sockpath, 0660, err, sizeof(err));
	struct stat st;

	cr_assert_null(c);
	cr_assert_not_null(strstr(err, "in use by another instance"), "%s", err);
	cr_assert_not_null(strstr(err, sockpath), "names the path: %s", err);
	cr_assert_eq(stat(sockpath, &st), 0, "the live socket is left alone");
}

Test(ctl, stale_socket_replaced)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char err[256], path[96];
	struct tw_ctl *save = srv;
	struct conn *k;
	json_t *m;
	int fd;

	/* a socket file nobody listens on, as a crash leaves it */
	snprintf(path, sizeof(path), "%s/stale.sock", tmpdir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	srv = tw_ctl_open(path, 0660, err, sizeof(err));
	cr_assert_not_null(srv, "%s", err);
	snprintf(sockpath, sizeof(sockpath), "%s", path);
	k = conn_open();
	conn_sends(k, "{\"command\":\"help\"}\n");
	m = expect_ok(k);
	json_decref(m);
	conn_close(k);
	tw_ctl_close(srv);
	srv = save;
}

Test(ctl, missing_directory)
{
	char err[256] = "", path[96];

	snprintf(path, sizeof(path), "%s/nodir/x.sock", tmpdir);
	cr_assert_null(tw_ctl_open(path, 0660, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "does not exist"), "%s", err);
	cr_assert_not_null(strstr(err, "nodir"), "%s", err);
}

Test(ctl, regular_file_not_replaced)
{
	char err[256] = "", path[96];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/file", tmpdir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_null(tw_ctl_open(path, 0660, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "not a socket"), "%s", err);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
}

Test(ctl, path_too_long)
{
	char err[256] = "", path[300];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	cr_assert_null(tw_ctl_open(path, 0660, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "too long"), "%s", err);
	cr_assert_null(tw_ctl_open("", 0660, NULL, 0));
}

Test(ctl, close_leaves_a_replaced_socket)
{
	char err[256];
	struct stat st;
	struct tw_ctl *other;

	/* someone removed our socket and another instance took the path */
	cr_assert_eq(unlink(sockpath), 0);
	other = tw_ctl_open(sockpath, 0660, err, sizeof(err));
	cr_assert_not_null(other, "%s", err);
	tw_ctl_close(srv);
	srv = NULL;
	cr_assert_eq(stat(sockpath, &st), 0, "the other instance's socket stays");
	tw_ctl_close(other);
	cr_assert_neq(stat(sockpath, &st), 0);
}

/* ---- the tidewatchctl binary, end to end ---------------------------------- */

static pid_t server_pid;

/* Serve the fixture's server from a child process. */
static void
fork_server(void)
{
	server_pid = fork();
	cr_assert_geq(server_pid, 0);
	if (server_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			if (tw_ctl_poll(srv) < 0)
				_exit(3);
			usleep(500);
		}
	}
}

static void
stop_server(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
		server_pid = 0;
	}
}

struct run {
	int status; /* exit code, or -1 */
	char *out;
	char *err;
};

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 1 << 20);
	size_t n;

	cr_assert_not_null(f);
	n = fread(s, 1, (1 << 20) - 1, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* Run tidewatchctl with argv (NULL-terminated, argv[0] excluded); env
 * TIDEWATCH_SOCKET = envsock (unset if NULL). */
static struct run
run_ctl(const char *envsock, const char *const *args)
{
	const char *bin = getenv("TIDEWATCHCTL");
	char outp[160], errp[160];
	const char *argv[32];
	struct run r;
	int st, n = 0;
	pid_t pid;

	if (bin == NULL)
		cr_skip_test("TIDEWATCHCTL not set (run through meson test)");
	argv[n++] = bin;
	while (*args != NULL)
		argv[n++] = *args++;
	argv[n] = NULL;
	snprintf(outp, sizeof(outp), "%s/out", tmpdir);
	snprintf(errp, sizeof(errp), "%s/err", tmpdir);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int o = open(outp, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		int e = open(errp, O_CREAT | O_TRUNC | O_WRONLY, 0600);

		dup2(o, 1);
		dup2(e, 2);
		if (envsock != NULL)
			setenv("TIDEWATCH_SOCKET", envsock, 1);
		else
			unsetenv("TIDEWATCH_SOCKET");
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r.out = slurp(outp);
	r.err = slurp(errp);
	return r;
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

Test(ctl, client_version_and_usage)
{
	struct run r = run_ctl(NULL, ARGS("--version"));

	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "tidewatchctl 0.1.0\n");
	run_free(&r);
	r = run_ctl(NULL, ARGS("--help"));
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out, "--socket PATH"));
	run_free(&r);
	r = run_ctl(NULL, ARGS("--bogus"));
	cr_assert_eq(r.status, 2);
	run_free(&r);
	r = run_ctl(NULL, ARGS("--json"));
	cr_assert_eq(r.status, 2, "missing command");
	cr_assert_not_null(strstr(r.err, "missing COMMAND"));
	run_free(&r);
	r = run_ctl(NULL, ARGS("--timeout", "soon", "help"));
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, "--timeout"));
	run_free(&r);
}

Test(ctl, client_json_arguments)
{
	struct run r;
	json_t *got, *want;

	fork_server();
	r = run_ctl(NULL, ARGS("--socket", sockpath, "--json", "echo", "a=1", "b=x", "c=true",
			       "d=1.5", "e=-3", "f=01", "g=false", "h=", "i=a=b", "j=10.0.0.1",
			       "k=null"));
	stop_server();
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(strchr(r.out, '\n'), r.out + strlen(r.out) - 1, "one line: %s", r.out);
	got = json_loads(r.out, 0, NULL);
	want = json_pack("{s:i, s:s, s:b, s:f, s:i, s:s, s:b, s:s, s:s, s:s, s:s}",
			 "a", 1, "b", "x", "c", 1, "d", 1.5, "e", -3, "f", "01", "g", 0,
			 "h", "", "i", "a=b", "j", "10.0.0.1", "k", "null");
	cr_assert(json_equal(got, want), "got %s", r.out);
	json_decref(got);
	json_decref(want);
	run_free(&r);
}

Test(ctl, client_host_address_and_bare_words)
{
	struct run r;

	cr_assert_eq(tw_ctl_register(srv, "host", "a host", h_echo, NULL), 0);
	fork_server();
	r = run_ctl(sockpath, ARGS("--json", "host", "192.0.2.7", "detail=true"));
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_str_eq(r.out, "{\"address\":\"192.0.2.7\",\"detail\":true}\n");
	run_free(&r);
	r = run_ctl(sockpath, ARGS("host", "192.0.2.7", "extra"));
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, "'extra'"), "%s", r.err);
	run_free(&r);
	r = run_ctl(sockpath, ARGS("stats", "bare"));
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, "'bare'"), "%s", r.err);
	run_free(&r);
	r = run_ctl(sockpath, ARGS("echo", "a=1", "a=2"));
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, "twice"), "%s", r.err);
	run_free(&r);
	stop_server();
}

Test(ctl, client_nok_exit_1)
{
	struct run r;

	fork_server();
	r = run_ctl(sockpath, ARGS("nope"));
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.out, "");
	cr_assert_not_null(strstr(r.err, "unknown command 'nope' (try help)"), "%s", r.err);
	run_free(&r);
	r = run_ctl(sockpath, ARGS("--json", "fail"));
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.out, "");
	cr_assert_str_eq(r.err, "it failed: ctx\n");
	run_free(&r);
	stop_server();
}

Test(ctl, client_socket_flag_beats_env)
{
	struct run r;

	fork_server();
	r = run_ctl("/nonexistent/elsewhere.sock", ARGS("--socket", sockpath, "--json", "scalar"));
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_str_eq(r.out, "\"hello world\"\n");
	run_free(&r);
	r = run_ctl(sockpath, ARGS("scalar"));
	cr_assert_eq(r.status, 0, "env TIDEWATCH_SOCKET: %s", r.err);
	cr_assert_str_eq(r.out, "hello world\n");
	run_free(&r);
	stop_server();
}

Test(ctl, client_cannot_connect)
{
	char path[96];
	struct run r;

	snprintf(path, sizeof(path), "%s/absent.sock", tmpdir);
	r = run_ctl(NULL, ARGS("--socket", path, "stats"));
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, path), "names the path: %s", r.err);
	cr_assert_not_null(strstr(r.err, "No such file or directory"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "--socket"), "hints at the flag: %s", r.err);
	cr_assert_not_null(strstr(r.err, "running"), "%s", r.err);
	run_free(&r);
	/* the default path is used without flag or env */
	r = run_ctl(NULL, ARGS("stats"));
	if (access("/run/tidewatch/tidewatch.sock", F_OK) != 0) {
		cr_assert_eq(r.status, 2);
		cr_assert_not_null(strstr(r.err, "/run/tidewatch/tidewatch.sock"), "%s", r.err);
	}
	run_free(&r);
}

Test(ctl, client_timeout)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[96];
	struct run r;
	double t0;
	int fd;

	/* listens, never answers */
	snprintf(path, sizeof(path), "%s/mute.sock", tmpdir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	t0 = now_s();
	r = run_ctl(NULL, ARGS("--socket", path, "--timeout", "0.3", "stats"));
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, "no answer"), "%s", r.err);
	cr_assert_lt(now_s() - t0, 5.0);
	run_free(&r);
	close(fd);
}

Test(ctl, client_server_closes)
{
	struct run r;
	struct conn *k[TW_CTL_MAX_CLIENTS];

	/* fill the server: the client gets the "too many clients" NOK */
	for (unsigned i = 0; i < TW_CTL_MAX_CLIENTS; i++)
		k[i] = conn_open();
	pump(3);
	fork_server();
	r = run_ctl(sockpath, ARGS("stats"));
	stop_server();
	cr_assert_eq(r.status, 1, "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.err, "too many clients"), "%s", r.err);
	run_free(&r);
	for (unsigned i = 0; i < TW_CTL_MAX_CLIENTS; i++)
		conn_close(k[i]);
}

Test(ctl, client_human_tables)
{
	struct run r;

	fork_server();
	r = run_ctl(sockpath, ARGS("stats"));
	stop_server();
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_log_info("stats rendering:\n%s", r.out);
	cr_assert_not_null(strstr(r.out, "uptime_s: 42\nmode:     offline\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "\nports:\n  port  name       rx_packets   rx_bytes\n"
				  "  ----  ---------  ----------  ---------\n"
				  "     0  net_pcap0     1234567  987654321\n"
				  "     1  p1                  5        300\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "lcore  rx_packets  decode_errors  drops.ring_full"
				  "  drops.nombuf\n"), "nested objects flatten: %s", r.out);
	cr_assert_not_null(strstr(r.out, "\noutput:\n  file:    -\n  records: 99\n"), "%s",
			   r.out);
	run_free(&r);
}

Test(ctl, client_help_lists_commands)
{
	struct run r;

	fork_server();
	r = run_ctl(sockpath, ARGS("help"));
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.out, "echo:         echo the arguments\n"), "%s", r.out);
	run_free(&r);
	r = run_ctl(sockpath, ARGS("command-list"));
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "big\ncommand-list\necho\nfail\nfail-silent\nhelp\nscalar\nstats\n");
	run_free(&r);
	stop_server();
}
