/* tw-gen: command line. */
#include "tracegen.h"

#include <getopt.h>
#include <stdlib.h>
#include <time.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tw-gen [options]\n"
            "Deterministic traffic generator for tidewatch: writes a classic pcap (nanosecond magic 0xa1b23c4d,\n"
            "LINKTYPE_ETHERNET, orig_len = wire length) and a JSON-lines labels file of injected behaviours.\n\n"
            "  --seed N              PRNG seed (default 1); same arguments => byte-identical output\n"
            "  --days D              days to simulate (default 3)\n"
            "  --start TIME          start, RFC 3339 UTC (default 2026-01-05T00:00:00Z, a Monday)\n"
            "  --workstations N      HQ workstations 10.20.1.20.. (default 60; plus N/10 branch hosts on VLAN 30)\n"
            "  --servers N           servers 10.20.10.10.. (default 12, min 7, max 16)\n"
            "  --out FILE.pcap       output capture (default tw-gen.pcap, '-' for stdout)\n"
            "  --labels FILE         labels (default: OUT with .pcap replaced by .labels.jsonl)\n"
            "  --inject LIST|none    comma list of scan,device,rare,beacon,exfil (default scan,device,rare)\n"
            "  --inject-day D        0-based day of the injections (default: last weekday, never day 0/1)\n"
            "  --snaplen N           truncate every captured frame to N bytes (orig_len kept; default 65535)\n"
            "  --profile P           enterprise (default) | bench64 | imix\n"
            "  --flows N             bench64/imix: concurrent flows (default 1000000 / 100000)\n"
            "  --packets N           bench64/imix: total packets (default 10000000)\n"
            "  -h, --help            this help\n\n"
            "Bulk transfers (backups, exfil, large downloads) are written with 96 captured bytes per frame and\n"
            "the full orig_len; nightly backups and the exfil use GRO-sized segments (up to 64000 bytes of TCP\n"
            "payload per frame, as captured on a host with GRO/LRO), so count wire bytes from orig_len.\n"
            "Statistics are printed to stderr.\n");
}

int main(int argc, char **argv)
{
    opts_t o;
    memset(&o, 0, sizeof o);
    o.seed = 1;
    o.days = 3;
    parse_rfc3339("2026-01-05T00:00:00Z", &o.start);
    o.workstations = 60;
    o.servers = 12;
    o.out = "tw-gen.pcap";
    o.inject = "scan,device,rare";
    o.inject_day = -1;
    o.snaplen = 65535;
    static struct option lo[] = {
        { "seed", 1, 0, 's' }, { "days", 1, 0, 'd' }, { "start", 1, 0, 'S' }, { "workstations", 1, 0, 'w' },
        { "servers", 1, 0, 'v' }, { "out", 1, 0, 'o' }, { "labels", 1, 0, 'l' }, { "inject", 1, 0, 'i' },
        { "inject-day", 1, 0, 'D' }, { "snaplen", 1, 0, 'n' }, { "profile", 1, 0, 'p' }, { "flows", 1, 0, 'f' },
        { "packets", 1, 0, 'k' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 }
    };
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 's': o.seed = strtoull(optarg, &end, 0); if (*end) goto bad; break;
        case 'd': o.days = (int)strtol(optarg, &end, 10); if (*end || o.days < 1 || o.days > 366) goto bad; break;
        case 'S': if (parse_rfc3339(optarg, &o.start)) goto bad; break;
        case 'w': o.workstations = (int)strtol(optarg, &end, 10); if (*end || o.workstations < 12 || o.workstations > 600) goto bad; break;
        case 'v': o.servers = (int)strtol(optarg, &end, 10); if (*end || o.servers < 1) goto bad; break;
        case 'o': o.out = optarg; break;
        case 'l': o.labels = optarg; break;
        case 'i': o.inject = optarg; break;
        case 'D': o.inject_day = (int)strtol(optarg, &end, 10); if (*end) goto bad; break;
        case 'n': o.snaplen = (uint32_t)strtoul(optarg, &end, 10); if (*end || o.snaplen < 14 || o.snaplen > 262144) goto bad; break;
        case 'p':
            if (!strcmp(optarg, "enterprise")) o.profile = 0;
            else if (!strcmp(optarg, "bench64")) o.profile = 1;
            else if (!strcmp(optarg, "imix")) o.profile = 2;
            else goto bad;
            break;
        case 'f': o.flows = strtoull(optarg, &end, 10); if (*end || !o.flows) goto bad; break;
        case 'k': o.packets = strtoull(optarg, &end, 10); if (*end || !o.packets) goto bad; break;
        case 'h': usage(stdout); return 0;
        default: goto bad;
        }
    }
    if (optind != argc) goto bad;
    if (strcmp(o.inject, "none")) {
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", o.inject);
        for (char *tok = strtok(tmp, ","); tok; tok = strtok(NULL, ","))
            if (strcmp(tok, "scan") && strcmp(tok, "device") && strcmp(tok, "rare") && strcmp(tok, "beacon") && strcmp(tok, "exfil")) {
                fprintf(stderr, "tw-gen: unknown behaviour '%s' in --inject\n", tok);
                return 2;
            }
    }
    char lbuf[4096];
    if (!o.labels && o.profile == 0) {
        const char *base = strcmp(o.out, "-") ? o.out : "tw-gen.pcap";
        size_t n = strlen(base);
        if (n > 5 && !strcmp(base + n - 5, ".pcap")) snprintf(lbuf, sizeof lbuf, "%.*s.labels.jsonl", (int)(n - 5), base);
        else snprintf(lbuf, sizeof lbuf, "%s.labels.jsonl", base);
        o.labels = lbuf;
    }
    G.snaplen = o.snaplen;
    pcapw_t w;
    if (pcapw_open(&w, o.out, o.snaplen)) { perror(o.out); return 1; }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0); /* only for the stderr report; never affects output */
    int rc;
    if (o.profile == 0) {
        FILE *lf = fopen(o.labels, "w");
        if (!lf) { perror(o.labels); return 1; }
        rc = run_enterprise(&o, &w, lf);
        if (fclose(lf)) rc = rc ? rc : 1;
    } else {
        rc = run_bench(&o, &w);
    }
    if (pcapw_close(&w)) { perror(o.out); return 1; }
    if (rc) return rc;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "tw-gen: %llu packets, %llu flows, %llu bytes captured, %llu bytes on the wire, %.2f s (%.1f Mpps)%s%s\n",
            (unsigned long long)w.npkts, (unsigned long long)G.flows, (unsigned long long)w.bytes_cap,
            (unsigned long long)w.bytes_wire, el, el > 0 ? w.npkts / el / 1e6 : 0.0,
            o.profile == 0 ? ", labels " : "", o.profile == 0 ? o.labels : "");
    return 0;
bad:
    usage(stderr);
    return 2;
}
