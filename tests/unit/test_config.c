/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — unit tests for app/config: defaults, --set for each key type
 * and its error messages, YAML files (nesting, unknown keys, malformed
 * documents, wrong types), precedence of --set over the file, the
 * `config get` round trip and tw_parse_duration.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/config.h"
#include "tw/addr.h"

#define SEC 1000000000ull

static struct tw_config cfg;
static char err[1024];
static char tmpdir[64];

static void
setup(void)
{
	tw_config_defaults(&cfg);
	err[0] = '\0';
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tw-unit-config-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

TestSuite(config, .init = setup, .fini = teardown, .timeout = 30);

/* Write a file in the test's temp dir; returns its path (static buffer). */
static const char *
write_file(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void
set_ok(const char *kv)
{
	err[0] = '\0';
	cr_assert_eq(tw_config_set(&cfg, kv, err, sizeof(err)), 0, "--set %s failed: %s", kv, err);
}

/* --set fails and the message contains every given fragment. */
static void
set_fails(const char *kv, const char *frag1, const char *frag2)
{
	err[0] = '\0';
	cr_assert_eq(tw_config_set(&cfg, kv, err, sizeof(err)), -1, "--set %s should fail", kv);
	cr_assert(err[0] != '\0', "--set %s: no message", kv);
	if (frag1)
		cr_assert(strstr(err, frag1) != NULL, "--set %s: message '%s' lacks '%s'", kv, err, frag1);
	if (frag2)
		cr_assert(strstr(err, frag2) != NULL, "--set %s: message '%s' lacks '%s'", kv, err, frag2);
}

static const char *
get(const char *key)
{
	static char out[1100];
	cr_assert_eq(tw_config_get(&cfg, key, out, sizeof(out)), 0, "get %s", key);
	return out;
}

static bool
home(const char *ip)
{
	struct tw_addr a;
	cr_assert_eq(tw_addr_parse(ip, &a), 0);
	return tw_netset_contains(&cfg.home_net, &a);
}

/* ---------------------------------------------------------------- defaults */

Test(config, defaults)
{
	cr_assert_str_eq(cfg.sensor, "tidewatch");
	cr_assert_eq(cfg.dataplane.workers, 1);
	cr_assert_eq(cfg.dataplane.flow_table_size, 262144);
	cr_assert_eq(cfg.dataplane.timeout_tcp_new_ns, 60 * SEC);
	cr_assert_eq(cfg.dataplane.timeout_tcp_established_ns, 600 * SEC);
	cr_assert_eq(cfg.dataplane.timeout_tcp_closed_ns, 10 * SEC);
	cr_assert_eq(cfg.dataplane.timeout_udp_ns, 60 * SEC);
	cr_assert_eq(cfg.dataplane.timeout_icmp_ns, 30 * SEC);
	cr_assert_eq(cfg.dataplane.timeout_other_ns, 60 * SEC);
	cr_assert_eq(cfg.dataplane.update_interval_ns, 300 * SEC);
	cr_assert_eq(cfg.analytics.threshold, 50);
	cr_assert_eq(cfg.analytics.learning_period_ns, 2 * 86400 * SEC);
	cr_assert_eq(cfg.output.flows, false);
	cr_assert_eq(cfg.analytics.merge_interval_ns, 1 * SEC);
	cr_assert_str_eq(cfg.output.file, "records.json");
	cr_assert_eq(cfg.control.enabled, true);
	cr_assert_eq(cfg.control.mode, 0660);
	/* home networks: RFC 1918 and ULA */
	cr_assert(home("10.1.2.3"));
	cr_assert(home("172.16.0.1"));
	cr_assert(home("172.31.255.255"));
	cr_assert(home("192.168.77.1"));
	cr_assert(home("fd12:3456::1"));
	cr_assert(!home("172.32.0.1"));
	cr_assert(!home("8.8.8.8"));
	cr_assert(!home("2001:db8::1"));
	cr_assert_eq(tw_config_validate(&cfg, err, sizeof(err)), 0, "%s", err);
}

/* ---------------------------------------------------------------- --set */

Test(config, set_string)
{
	set_ok("sensor=lab-1");
	cr_assert_str_eq(cfg.sensor, "lab-1");
	set_ok("output.file=-");
	cr_assert_str_eq(cfg.output.file, "-");
	set_ok("output.stats=");
	cr_assert_str_eq(cfg.output.stats, "");
	set_ok("sensor=a=b"); /* only the first '=' separates */
	cr_assert_str_eq(cfg.sensor, "a=b");

	char kv[200];
	memset(kv, 0, sizeof(kv));
	strcpy(kv, "sensor=");
	memset(kv + 7, 'x', 64); /* TW_SENSOR_NAME_MAX is 64: 63 chars fit */
	set_fails(kv, "sensor", "longer");
	cr_assert_str_eq(cfg.sensor, "a=b", "a failed set must not change the value");
	kv[7 + 63] = '\0';
	set_ok(kv);
	cr_assert_eq(strlen(cfg.sensor), 63);
}

Test(config, set_integer)
{
	set_ok("analytics.threshold=70");
	cr_assert_eq(cfg.analytics.threshold, 70);
	set_ok("analytics.threshold=0");
	cr_assert_eq(cfg.analytics.threshold, 0);
	set_ok("analytics.threshold=100");
	cr_assert_eq(cfg.analytics.threshold, 100);
	set_fails("analytics.threshold=101", "analytics.threshold", "out of range");
	set_fails("analytics.threshold=-1", "analytics.threshold", NULL);
	set_fails("analytics.threshold=abc", "analytics.threshold", "not a whole number");
	set_fails("analytics.threshold=", "analytics.threshold", NULL);
	set_fails("analytics.threshold=5x", "analytics.threshold", NULL);
	set_fails("analytics.threshold=99999999999999999999999", "analytics.threshold", NULL);
	cr_assert_eq(cfg.analytics.threshold, 100);

	set_ok("dataplane.flow_table_size=1024");
	cr_assert_eq(cfg.dataplane.flow_table_size, 1024);
	set_fails("dataplane.flow_table_size=1023", "dataplane.flow_table_size", "out of range");
	set_fails("dataplane.workers=0", "dataplane.workers", "out of range");
	set_fails("dataplane.workers=17", "dataplane.workers", "out of range");
	set_ok("dataplane.workers=16");
	cr_assert_eq(cfg.dataplane.workers, 16);
}

Test(config, set_boolean)
{
	const char *yes[] = {"true", "yes", "on", "1"};
	const char *no[] = {"false", "no", "off", "0"};
	char kv[64];
	for (unsigned i = 0; i < 4; i++) {
		snprintf(kv, sizeof(kv), "output.flows=%s", yes[i]);
		set_ok(kv);
		cr_assert_eq(cfg.output.flows, true, "%s", kv);
		snprintf(kv, sizeof(kv), "output.flows=%s", no[i]);
		set_ok(kv);
		cr_assert_eq(cfg.output.flows, false, "%s", kv);
	}
	set_ok("control.enabled=off");
	cr_assert(!cfg.control.enabled);
	set_fails("output.flows=maybe", "output.flows", "boolean");
	set_fails("output.flows=", "output.flows", NULL);
}

Test(config, set_duration)
{
	set_ok("analytics.learning_period=2d");
	cr_assert_eq(cfg.analytics.learning_period_ns, 2 * 86400 * SEC);
	set_ok("analytics.learning_period=6h");
	cr_assert_eq(cfg.analytics.learning_period_ns, 6 * 3600 * SEC);
	set_ok("analytics.learning_period=0");
	cr_assert_eq(cfg.analytics.learning_period_ns, 0);
	set_ok("dataplane.timeouts.udp=90s");
	cr_assert_eq(cfg.dataplane.timeout_udp_ns, 90 * SEC);
	set_ok("dataplane.timeouts.tcp_closed=250ms");
	cr_assert_eq(cfg.dataplane.timeout_tcp_closed_ns, 250000000ull);
	set_ok("dataplane.timeouts.tcp_established=15m");
	cr_assert_eq(cfg.dataplane.timeout_tcp_established_ns, 900 * SEC);
	set_ok("dataplane.timeouts.tcp_established=1w");
	cr_assert_eq(cfg.dataplane.timeout_tcp_established_ns, 7 * 86400 * SEC);

	set_fails("dataplane.timeouts.udp=5x", "dataplane.timeouts.udp", "not a duration");
	set_fails("dataplane.timeouts.udp=", "dataplane.timeouts.udp", "not a duration");
	set_fails("dataplane.timeouts.udp=-5s", "dataplane.timeouts.udp", NULL);
	set_fails("dataplane.timeouts.udp=0s", "dataplane.timeouts.udp", "out of range"); /* min 1 s */
	set_fails("dataplane.timeouts.udp=2d", "dataplane.timeouts.udp", "out of range"); /* max 1 d */
	set_fails("dataplane.timeouts.tcp_established=8d", "dataplane.timeouts.tcp_established", "out of range");
	set_fails("analytics.learning_period=366d", "analytics.learning_period", "out of range");
	cr_assert_eq(cfg.dataplane.timeout_udp_ns, 90 * SEC);
}

Test(config, set_cidr_list)
{
	set_ok("home_net=10.0.0.0/8,fd00::/8");
	cr_assert(home("10.9.9.9"));
	cr_assert(home("fd00::1"));
	cr_assert(!home("192.168.1.1"), "the list replaces the default");
	cr_assert_str_eq(get("home_net"), "10.0.0.0/8,fd00::/8");
	set_ok("home_net=192.0.2.7");
	cr_assert(home("192.0.2.7"));
	cr_assert(!home("192.0.2.8"));
	cr_assert(!home("10.9.9.9"));

	set_fails("home_net=10.0.0.0/33", "home_net", NULL);
	set_fails("home_net=not-an-address", "home_net", "not-an-address");
	set_fails("home_net=", "home_net", NULL);
	set_fails("home_net=,", "home_net", NULL);
	/* a failed set leaves the list (and its text) as it was */
	set_fails("home_net=10.0.0.0/8,bad", "home_net", "bad");
	cr_assert(home("192.0.2.7"));
	cr_assert(!home("10.9.9.9"));
	cr_assert_str_eq(get("home_net"), "192.0.2.7");
}

Test(config, set_octal_mode)
{
	set_ok("control.mode=0600");
	cr_assert_eq(cfg.control.mode, 0600);
	set_ok("control.mode=755");
	cr_assert_eq(cfg.control.mode, 0755);
	cr_assert_str_eq(get("control.mode"), "0755");
	set_fails("control.mode=0999", "control.mode", "octal");
	set_fails("control.mode=1777", "control.mode", "octal"); /* > 0777 */
	set_fails("control.mode=rw", "control.mode", NULL);
	set_fails("control.mode=", "control.mode", NULL);
	cr_assert_eq(cfg.control.mode, 0755);
}

Test(config, set_syntax_errors)
{
	set_fails("analytics.threshold", "expected KEY=VALUE", NULL);
	set_fails("=5", "expected KEY=VALUE", NULL);
	set_fails("", "expected KEY=VALUE", NULL);
	set_fails("no.such.key=1", "unknown key", "no.such.key");
	set_fails("analytics=1", "unknown key", "'analytics'"); /* a section is not a key */
	set_fails("Sensor=x", "unknown key", "Sensor");
	char longkey[300];
	memset(longkey, 'k', sizeof(longkey));
	longkey[250] = '=';
	longkey[251] = '1';
	longkey[252] = '\0';
	set_fails(longkey, NULL, NULL);
}

/* ---------------------------------------------------------------- files */

static int
load(const char *path)
{
	err[0] = '\0';
	return tw_config_load_file(&cfg, path, err, sizeof(err));
}

static void
load_fails(const char *path, const char *frag1, const char *frag2)
{
	cr_assert_eq(load(path), -1, "loading %s should fail", path);
	cr_assert(frag1 == NULL || strstr(err, frag1), "message '%s' lacks '%s'", err, frag1);
	cr_assert(frag2 == NULL || strstr(err, frag2), "message '%s' lacks '%s'", err, frag2);
}

Test(config, file_nested_keys)
{
	const char *p = write_file("ok.yaml", "# a comment\n"
					      "sensor: lab-2\n"
					      "home_net: 10.0.0.0/8,192.168.0.0/16\n"
					      "dataplane:\n"
					      "  workers: 2\n"
					      "  timeouts:\n"
					      "    udp: 2m\n"
					      "    tcp_closed: 250ms\n"
					      "analytics:\n"
					      "  threshold: 75\n"
					      "  learning_period: 6h\n"
					      "  scan:\n"
					      "    min_distinct: 30\n"
					      "output:\n"
					      "  flows: true\n"
					      "  file: \"/tmp/records x.json\"\n"
					      "control:\n"
					      "  mode: '0600'\n");
	cr_assert_eq(load(p), 0, "%s", err);
	cr_assert_str_eq(cfg.sensor, "lab-2");
	cr_assert(home("192.168.1.1"));
	cr_assert(!home("172.16.0.1"));
	cr_assert_eq(cfg.dataplane.workers, 2);
	cr_assert_eq(cfg.dataplane.timeout_udp_ns, 120 * SEC);
	cr_assert_eq(cfg.dataplane.timeout_tcp_closed_ns, 250000000ull);
	cr_assert_eq(cfg.analytics.threshold, 75);
	cr_assert_eq(cfg.analytics.learning_period_ns, 6 * 3600 * SEC);
	cr_assert_eq(cfg.analytics.scan_min_distinct, 30);
	cr_assert_eq(cfg.output.flows, true);
	cr_assert_str_eq(cfg.output.file, "/tmp/records x.json");
	cr_assert_eq(cfg.control.mode, 0600);
	/* keys not in the file keep their defaults */
	cr_assert_eq(cfg.dataplane.timeout_icmp_ns, 30 * SEC);
	cr_assert_eq(cfg.analytics.cores, 1);
	cr_assert_eq(cfg.control.enabled, true);
}

Test(config, file_unknown_key_names_key_and_line)
{
	const char *p = write_file("unknown.yaml", "sensor: x\n"
						   "dataplane:\n"
						   "  timeouts:\n"
						   "    udp: 60s\n"
						   "    sctp: 30s\n");
	/* libcyaml's backtrace cites the line of the node parsed last (here
	 * the 'udp' value on line 4), not always the offending key's own line */
	load_fails(p, "unknown.yaml:5:", "unknown key 'dataplane.timeouts.sctp'");
	cr_assert(strstr(err, "unknown.yaml"), "message '%s' lacks the file", err);

	p = write_file("unknown_top.yaml", "sensor: x\nbogus: 1\n");
	load_fails(p, "unknown_top.yaml:2:", "unknown key 'bogus'");
}

Test(config, file_malformed_yaml_names_line)
{
	const char *p = write_file("bad.yaml", "sensor: x\n"
					       "analytics:\n"
					       "  threshold: 60\n"
					       "  learning_period: [1d\n"
					       "output:\n"
					       "  flows: true\n");
	load_fails(p, "bad.yaml:", "analytics.learning_period");

	p = write_file("bad2.yaml", "sensor: x\n"
				    "sensor2 x\n"
				    "  : : :\n");
	load_fails(p, "bad2.yaml:", NULL);
}

Test(config, file_wrong_type)
{
	/* a mapping where a scalar is expected */
	const char *p = write_file("map.yaml", "sensor:\n  name: x\n");
	load_fails(p, "map.yaml:2:", "'sensor' takes a value, not a section");
	cr_assert_str_eq(cfg.sensor, "tidewatch");

	/* a scalar where a section is expected */
	p = write_file("scalar.yaml", "dataplane: 5\n");
	load_fails(p, "scalar.yaml", "'dataplane'");

	/* a sequence where a scalar is expected */
	p = write_file("seq.yaml", "home_net:\n  - 10.0.0.0/8\n");
	load_fails(p, "seq.yaml", "'home_net'");

	/* a key given twice */
	p = write_file("dup.yaml", "sensor: a\nsensor: b\n");
	load_fails(p, "dup.yaml", "sensor");
}

Test(config, file_bad_value_names_key)
{
	const char *p = write_file("range.yaml", "analytics:\n  threshold: 150\n");
	load_fails(p, "analytics.threshold", "out of range");
	cr_assert(strstr(err, "range.yaml"), "message '%s' lacks the file", err);

	p = write_file("dur.yaml", "dataplane:\n  timeouts:\n    udp: soon\n");
	load_fails(p, "dataplane.timeouts.udp", "not a duration");

	p = write_file("bool.yaml", "output:\n  flows: sometimes\n");
	load_fails(p, "output.flows", "boolean");
}

Test(config, file_empty_ok)
{
	const char *p = write_file("empty.yaml", "");
	cr_assert_eq(load(p), 0, "%s", err);
	p = write_file("comments.yaml", "# only a comment\n\n");
	cr_assert_eq(load(p), 0, "%s", err);
	p = write_file("doc.yaml", "---\n# sensor: commented-out template\n");
	cr_assert_eq(load(p), 0, "%s", err);
	cr_assert_str_eq(cfg.sensor, "tidewatch");
	cr_assert_eq(cfg.analytics.threshold, 50);
}

Test(config, file_missing_names_file)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/does-not-exist.yaml", tmpdir);
	load_fails(path, path, NULL);
}

Test(config, set_after_file_overrides)
{
	const char *p = write_file("base.yaml", "sensor: from-file\n"
						"analytics:\n  threshold: 60\n"
						"dataplane:\n  timeouts:\n    udp: 2m\n");
	cr_assert_eq(load(p), 0, "%s", err);
	cr_assert_eq(cfg.analytics.threshold, 60);
	set_ok("analytics.threshold=80");
	set_ok("dataplane.timeouts.udp=30s");
	cr_assert_eq(cfg.analytics.threshold, 80);
	cr_assert_eq(cfg.dataplane.timeout_udp_ns, 30 * SEC);
	cr_assert_str_eq(cfg.sensor, "from-file");
}

Test(config, file_loaded_twice)
{
	/* the schema is built once and reused */
	const char *p = write_file("a.yaml", "analytics:\n  threshold: 61\n");
	cr_assert_eq(load(p), 0, "%s", err);
	p = write_file("b.yaml", "analytics:\n  cores: 2\n");
	cr_assert_eq(load(p), 0, "%s", err);
	cr_assert_eq(cfg.analytics.threshold, 61);
	cr_assert_eq(cfg.analytics.cores, 2);
}

/* ---------------------------------------------------------------- get */

static const char *all_keys[] = {
	"sensor", "home_net", "dataplane.workers", "dataplane.flow_table_size", "dataplane.ring_size",
	"dataplane.rx_ring_size", "dataplane.mbufs", "dataplane.burst", "dataplane.timeouts.tcp_new",
	"dataplane.timeouts.tcp_established", "dataplane.timeouts.tcp_closed", "dataplane.timeouts.udp",
	"dataplane.timeouts.icmp", "dataplane.timeouts.other", "dataplane.update_interval", "analytics.cores",
	"analytics.max_hosts", "analytics.threshold", "analytics.learning_period", "analytics.merge_interval",
	"analytics.scan.window", "analytics.scan.min_distinct", "analytics.rare.max_hosts",
	"analytics.rare.min_connections", "analytics.endpoints_expected", "output.file", "output.stats",
	"output.flows", "output.record_pool", "control.enabled", "control.socket",
	"control.mode",
};

/* get(k) → set(k=that) leaves the configuration byte-identical */
static void
roundtrip_all(void)
{
	for (unsigned i = 0; i < sizeof(all_keys) / sizeof(all_keys[0]); i++) {
		struct tw_config before = cfg;
		char kv[1200];
		snprintf(kv, sizeof(kv), "%s=%s", all_keys[i], get(all_keys[i]));
		set_ok(kv);
		cr_assert(memcmp(&before, &cfg, sizeof(cfg)) == 0, "round trip of %s changed the config", kv);
	}
}

Test(config, get_values)
{
	cr_assert_str_eq(get("sensor"), "tidewatch");
	cr_assert_str_eq(get("analytics.threshold"), "50");
	cr_assert_str_eq(get("output.flows"), "false");
	cr_assert_str_eq(get("control.enabled"), "true");
	cr_assert_str_eq(get("control.mode"), "0660");
	cr_assert_str_eq(get("dataplane.timeouts.udp"), "60s");
	cr_assert_str_eq(get("home_net"), "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7");
	char out[64];
	cr_assert_eq(tw_config_get(&cfg, "no.such.key", out, sizeof(out)), -1);
	cr_assert_eq(tw_config_get(&cfg, "analytics", out, sizeof(out)), -1);
}

Test(config, get_roundtrip_defaults)
{
	roundtrip_all();
}

Test(config, get_roundtrip_set_values)
{
	set_ok("sensor=lab 3");
	set_ok("analytics.threshold=0");
	set_ok("output.flows=yes");
	set_ok("control.mode=0");
	set_ok("home_net=10.0.0.0/8, fd00::/8");
	set_ok("dataplane.timeouts.tcp_closed=250ms");
	set_ok("dataplane.timeouts.icmp=1.5s");
	set_ok("analytics.learning_period=1234567s");  /* more than 6 significant digits */
	set_ok("analytics.merge_interval=3599.999s"); /* ms precision, 7 digits */
	set_ok("dataplane.update_interval=1h");
	roundtrip_all();
	for (unsigned i = 0; i < sizeof(all_keys) / sizeof(all_keys[0]); i++) {
		uint64_t ns;
		const char *v = get(all_keys[i]);
		if (strncmp(all_keys[i], "dataplane.timeouts.", 19) == 0)
			cr_assert_eq(tw_parse_duration(v, &ns), 0, "%s=%s is not a duration", all_keys[i], v);
	}
	cr_assert_eq(cfg.analytics.learning_period_ns, 1234567 * SEC);
}

/* ---------------------------------------------------------------- durations */

static uint64_t
dur(const char *s)
{
	uint64_t ns = 0xdeadbeef;
	cr_assert_eq(tw_parse_duration(s, &ns), 0, "'%s' should parse", s);
	return ns;
}

static void
dur_bad(const char *s)
{
	uint64_t ns = 0xdeadbeef;
	cr_assert_eq(tw_parse_duration(s, &ns), -1, "'%s' should not parse", s);
	cr_assert_eq(ns, 0xdeadbeef, "'%s': output written on error", s);
}

Test(duration, units)
{
	cr_assert_eq(dur("90"), 90 * SEC);
	cr_assert_eq(dur("90s"), 90 * SEC);
	cr_assert_eq(dur("250ms"), 250000000ull);
	cr_assert_eq(dur("10us"), 10000ull);
	cr_assert_eq(dur("15m"), 900 * SEC);
	cr_assert_eq(dur("6h"), 21600 * SEC);
	cr_assert_eq(dur("2d"), 172800 * SEC);
	cr_assert_eq(dur("1w"), 604800 * SEC);
	cr_assert_eq(dur("0"), 0);
	cr_assert_eq(dur("0s"), 0);
}

Test(duration, fractions_and_rounding)
{
	cr_assert_eq(dur("1.5h"), 5400 * SEC);
	cr_assert_eq(dur("0.5s"), 500000000ull);
	cr_assert_eq(dur("0.1s"), 100000000ull);
	cr_assert_eq(dur("0.001ms"), 1000ull);
	cr_assert_eq(dur("0.0015us"), 2ull); /* rounded to the nearest ns */
	cr_assert_eq(dur("365d"), 365ull * 86400 * SEC);
	cr_assert_eq(dur("1000w"), 1000ull * 604800 * SEC);
}

Test(duration, rejects)
{
	dur_bad("");
	dur_bad("s");
	dur_bad("ms");
	dur_bad("-1s");
	dur_bad("-0.5");
	dur_bad("5x");
	dur_bad("5 s");
	dur_bad("5sec");
	dur_bad("5S");
	dur_bad("5s ");
	dur_bad("1h30m");
	dur_bad("abc");
	dur_bad("1e400s");
	dur_bad("inf");
	dur_bad("infs");
	dur_bad("nan");
	dur_bad("nans");
	dur_bad("100000000000w"); /* overflows 64-bit ns */
	cr_assert_eq(tw_parse_duration(NULL, &(uint64_t){0}), -1);
}

Test(duration, largest)
{
	/* ~584 years fit in 64-bit ns; 1.8e19 ns is the documented ceiling */
	uint64_t ns = dur("29000w");
	cr_assert_eq(ns, 29000ull * 604800 * SEC);
	dur_bad("30000w");
}
