#!/usr/bin/env python3
"""Compare tidewatch's flow records with tshark's view of the same capture.

For one capture (or every capture of a corpus with --all DIR), run

  * tidewatch with output.flows=true and home_net=everything (flow records
    are only written for flows with a home-network endpoint), and
  * tshark, one line of fields per packet (with IP reassembly off, so that
    every frame is attributed on its own),

then, for TCP and UDP only, compare per conversation (protocol + the two
endpoints, aggregated over however many flow records tidewatch split the
5-tuple into — timeouts — and over VLANs/tunnel zones, which tshark's
conversations ignore):

  pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient
                   packets and wire bytes (frame.len = pcap orig_len) per
                   direction, oriented like tidewatch's record (src is the
                   initiator)
  community_id     tidewatch's vs tshark's (communityid post-dissector);
                   reported as community_id_tshark_layer instead when
                   tidewatch's equals the Community ID computed here from the
                   conversation's 5-tuple (so tshark hashed other layers)
  zone             per-zone breakdown: tidewatch's "vlan" field (VLAN id, or
                   tunnel type << 24 | VNI/key/session id) vs the zone the
                   oracle derives from tshark's layers
  initiator        TCP only, when tshark's first packet of the conversation
                   is a SYN (or a SYN-ACK): who opened the connection
  start, end       time of the conversation's first packet (file order) and
                   latest packet time, in microseconds, vs the earliest
                   record's start and the latest record's end
  missing_in_tidewatch / missing_in_tshark
                   a conversation only one side has

How the oracle reads tshark's layers (the "innermost packet" rule of
DESIGN.md §3):

  * frame.protocols gives the layer order; per-layer fields (ip.src, ...)
    come as lists in the same order, so the n-th "ip" token is the n-th
    ip.* occurrence.
  * Tunnels tidewatch strips are descended into; which ones is read from
    enum tw_tunnel in dataplane/decode/decode.h, so the oracle follows the
    decoder as encapsulations are added: GRE v0 (IPv4/IPv6/MPLS/Ethernet
    payloads), ERSPAN I/II/III, VXLAN on UDP *destination* port 4789/8472,
    VXLAN-GPE on destination port 4790, GENEVE on destination port 6081 (UDP
    tunnels only when the payload is Ethernet or IP), IP-in-IP / IPv6-in-IP,
    MPLS Ethernet pseudowires, PPTP (GRE v1 + PPP carrying IP). The tunnel
    (type and VNI/key/session/label/call id) or else the innermost VLAN is
    the zone. Teredo, GTP, L2TP and anything else above a TCP/UDP header
    are NOT descended into: the packet is the outer UDP packet, as in
    tidewatch. tshark also decodes VXLAN when 4789 is the *source* port; the
    oracle follows tidewatch's documented rule (destination port), and
    tshark is told to decode UDP 8472 as VXLAN (-d).
  * ICMP/ICMPv6 ends the walk (what follows is the quoted packet of an
    error message): such a packet is ICMP, not TCP/UDP.
  * A fragmented IP layer ends the walk too (tidewatch never strips a
    fragmented outer packet). Non-first fragments have no ports: the oracle
    attributes them to the conversation of their datagram's first fragment
    (same addresses, protocol, IP identification, zone), wherever that
    first fragment is in the capture. tidewatch attributes a later fragment
    only when its first fragment came earlier; the diff says how many
    fragments arrived before their first one.

Allow-list (default: allow.tsv next to this script): tab-separated
  capture  conversation  field  reason
capture / conversation / field are fnmatch patterns ('*' = any);
conversation is "PROTO A:port-B:port" (IPv6 addresses in brackets) and
matches in either orientation. Every entry must give its reason. Entries
that match nothing are reported (stale), and fail the run with --strict.

Exit status: 0 when every mismatch is explained, 1 otherwise, 2 usage or
tool failure.
"""
import argparse
import base64
import collections
import concurrent.futures
import csv
import fnmatch
import hashlib
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ALLOW = os.path.join(HERE, "allow.tsv")

# Tunnels tidewatch strips: the names of enum tw_tunnel in
# dataplane/decode/decode.h (lower-cased, as the flow record's
# "tunnel":{"type":…} spells them). Read from the source tree so that the
# oracle follows the decoder as encapsulations are added (e.g. pptp,
# vxlan_gpe); without the source, assume the list below.
DECODE_H = os.path.join(HERE, "..", "..", "dataplane", "decode", "decode.h")


def tidewatch_tunnels():
    try:
        with open(DECODE_H) as f:
            src = f.read()
        body = src[src.index("enum tw_tunnel {"):]
        body = body[:body.index("};")]
        import re
        names = re.findall(r"TW_TUNNEL_([A-Z0-9_]+)", body)
        return {n.lower() for n in names if n not in ("NONE", "_COUNT")}
    except (OSError, ValueError):
        return {"gre", "erspan1", "erspan2", "erspan3", "vxlan", "geneve", "ipip", "ip6ip", "mpls_pw"}


TUNNELS = tidewatch_tunnels()
VXLAN_PORTS = (4789, 8472)
VXLAN_GPE_PORT = 4790
GENEVE_PORT = 6081

FIELDS = [
    "frame.number", "frame.len", "frame.cap_len", "frame.time_epoch", "frame.protocols",
    "ip.src", "ip.dst", "ip.proto", "ip.id", "ip.flags.mf", "ip.frag_offset",
    "ipv6.src", "ipv6.dst", "ipv6.fraghdr.nxt", "ipv6.fraghdr.offset", "ipv6.fraghdr.more",
    "ipv6.fraghdr.ident",
    "tcp.srcport", "tcp.dstport", "tcp.flags", "udp.srcport", "udp.dstport",
    "vlan.id", "ieee8021ad.id",
    "gre.flags.version", "gre.flags.key", "gre.key", "gre.key.call_id", "gre.proto",
    "erspan.version", "erspan.spanid", "vxlan.vni", "geneve.vni", "mpls.label", "mpls.bottom",
    "communityid", "_ws.malformed", "_ws.expert.severity",
]
FI = {f: i for i, f in enumerate(FIELDS)}
PI_ERROR = 8388608  # expert severity "error"


# --------------------------------------------------------------------------
# helpers

def fmt_ep(addr, port):
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def conv_name(proto, a, pa, b, pb):
    return f"{proto} {fmt_ep(a, pa)}-{fmt_ep(b, pb)}"


def canon(a, pa, b, pb):
    """Canonical endpoint order: returns (lo, plo, hi, phi, swapped)."""
    ka = (ipaddress.ip_address(a).packed, pa)
    kb = (ipaddress.ip_address(b).packed, pb)
    if ka <= kb:
        return a, pa, b, pb, False
    return b, pb, a, pa, True


def community_id(proto_num, sa, sp, da, dp):
    """Community ID v1, seed 0 (for hints: what the 5-tuple gives)."""
    a, b = ipaddress.ip_address(sa).packed, ipaddress.ip_address(da).packed
    if (a, sp) > (b, dp):
        a, b, sp, dp = b, a, dp, sp
    data = (b"\x00\x00" + a + b + bytes([proto_num, 0]) + sp.to_bytes(2, "big") + dp.to_bytes(2, "big"))
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def us_of_epoch(s):
    """tshark frame.time_epoch "1466265698.248990000" -> integer microseconds.
    tshark prints the raw nanoseconds of an invalid pcap time stamp
    ("…370.1000000000"): that value carries into the seconds, as it does in
    libpcap-based readers."""
    sec, _, frac = s.partition(".")
    neg = sec.startswith("-")
    ns = int(frac) if len(frac) >= 9 else int((frac + "000000000")[:9])
    us = abs(int(sec)) * 1000000 + ns // 1000
    return -us if neg else us


def us_of_rfc3339(s):
    """tidewatch "2016-06-18T16:01:38.251011Z" -> integer microseconds."""
    import datetime
    date, _, frac = s.rstrip("Z").partition(".")
    dt = datetime.datetime.strptime(date, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 1000000 + int((frac + "000000")[:6])


def fmt_us(us):
    import datetime
    return datetime.datetime.fromtimestamp(us / 1e6, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


def to_int(s, default=0):
    if s in ("", None):
        return default
    try:
        return int(s, 0)
    except ValueError:
        return int(s == "True") if s in ("True", "False") else default


def frames_str(frames, limit=12):
    frames = sorted(frames)
    s = ",".join(str(f) for f in frames[:limit])
    return s + (f",… ({len(frames)} in all)" if len(frames) > limit else "")


# --------------------------------------------------------------------------
# tshark side

class Pkt:
    __slots__ = ("frame", "wire", "trunc", "time", "proto", "src", "dst", "sport", "dport", "zone",
                 "tcp_flags", "cid", "malformed", "frag_later", "frag_key", "frag_first_key")


def walk_packet(cols):
    """Per-packet fields -> Pkt describing the innermost packet as tidewatch
    decodes it, when that packet is TCP or UDP (a non-first fragment: with
    ports None, to be attributed by the caller); None otherwise."""
    def lst(name):
        v = cols[FI[name]]
        return v.split("|") if v else []

    toks = cols[FI["frame.protocols"]].split(":")
    L = {f: lst(f) for f in FIELDS[5:] if f not in ("communityid", "_ws.malformed", "_ws.expert.severity")}

    def get(name, idx):
        v = L[name]
        return v[idx] if 0 <= idx < len(v) else ""

    def strip(name, ident):
        """Enter a tunnel tidewatch strips; False when it does not."""
        nonlocal tunnel
        if name not in TUNNELS:
            return False
        tunnel = (name, ident)
        return True

    cnt = collections.Counter()
    ip = None          # (family, index) of the innermost IP layer
    l4 = None          # ("tcp"/"udp"/"icmp", index)
    vlan = 0
    tunnel = None      # (name, id) of the innermost stripped encapsulation
    frag = None        # (family, index, offset, more) of a fragmented IP layer
    mpls_label = None
    n = len(toks)
    i = 0
    while i < n:
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < n else ""
        if t in ("vlan", "ieee8021ad"):
            k = cnt[t]
            cnt[t] += 1
            vlan = to_int(get("vlan.id" if t == "vlan" else "ieee8021ad.id", k)) & 0xFFF
        elif t == "mpls":
            k = cnt["mpls"]      # one token per label stack entry
            cnt["mpls"] += 1
            mpls_label = to_int(get("mpls.label", k))
        elif t in ("pwethheuristic", "pwethcw", "pwethnocw", "pweth"):
            if mpls_label is not None and (tunnel is None or tunnel[0] != "mpls_pw"):
                if not strip("mpls_pw", mpls_label):
                    break
        elif t in ("ip", "ipv6"):
            k = cnt[t]
            cnt[t] += 1
            if ip is not None and prev_is_ip(toks, i):
                # IP directly inside IP: IP-in-IP (proto 4) / 6in4 (proto 41)
                if not strip("ipip" if t == "ip" else "ip6ip", 0):
                    break
            ip = (t, k)
            l4 = None
            if t == "ip":
                mf = to_int(get("ip.flags.mf", k))
                off = to_int(get("ip.frag_offset", k))
                if mf or off:
                    frag = ("ip", k, off, mf)
            else:
                j = i + 1
                while j < n and toks[j].startswith("ipv6."):
                    if toks[j] == "ipv6.fraghdr":
                        fk = cnt["ipv6.fraghdr"]
                        cnt["ipv6.fraghdr"] += 1
                        off = to_int(get("ipv6.fraghdr.offset", fk))
                        mf = to_int(get("ipv6.fraghdr.more", fk))
                        if mf or off:
                            frag = ("ipv6", fk, off, mf)
                    j += 1
            if frag is not None:
                # tidewatch never strips a fragmented packet: it is the
                # packet described. A first fragment keeps the L4 header
                # tshark decoded from it (if any).
                if frag[2] == 0:
                    for t2 in toks[i + 1:]:
                        if t2 in ("tcp", "udp"):
                            l4 = (t2, cnt[t2])
                        if t2 in ("tcp", "udp", "icmp", "icmpv6", "ip", "ipv6"):
                            break
                break
        elif t in ("tcp", "udp"):
            k = cnt[t]
            cnt[t] += 1
            l4 = (t, k)
            if t == "udp" and nxt in ("vxlan", "geneve"):
                # only the destination port selects a UDP tunnel; the
                # payload must be Ethernet or IP (else: the outer packet)
                dport = to_int(get("udp.dstport", k))
                after = toks[i + 2] if i + 2 < n else ""
                name = None
                if nxt == "vxlan" and dport in VXLAN_PORTS:
                    name = "vxlan"
                elif nxt == "vxlan" and dport == VXLAN_GPE_PORT:
                    name = "vxlan_gpe"
                elif nxt == "geneve" and dport == GENEVE_PORT:
                    name = "geneve"
                if name and after in ("eth", "ip", "ipv6"):
                    vk = cnt[nxt]
                    cnt[nxt] += 1
                    if strip(name, to_int(get(nxt + ".vni", vk))):
                        ip = None
                        l4 = None
                        i += 2
                        continue
            break  # TCP/UDP payload (incl. Teredo, GTP, L2TP): application data
        elif t in ("icmp", "icmpv6"):
            l4 = ("icmp", 0)
            break  # what follows is the quoted packet of an ICMP error
        elif t == "gre":
            k = cnt["gre"]
            cnt["gre"] += 1
            ver = to_int(get("gre.flags.version", k))
            gproto = to_int(get("gre.proto", k))
            ok = False
            if ver == 0:
                nkeys_before = sum(to_int(x) for x in L["gre.flags.key"][:k])
                key = to_int(get("gre.key", nkeys_before)) if to_int(get("gre.flags.key", k)) else 0
                if gproto in (0x0800, 0x86DD, 0x8847, 0x8848, 0x6558):
                    ok = strip("gre", key)
                elif gproto == 0x88BE:
                    ek = cnt["erspan"]
                    if nxt == "erspan" and get("erspan.version", ek) != "":
                        ok = strip("erspan2", to_int(get("erspan.spanid", ek)) & 0x3FF)
                    else:
                        ok = strip("erspan1", 0)
                elif gproto == 0x22EB:
                    ok = strip("erspan3", to_int(get("erspan.spanid", cnt["erspan"])) & 0x3FF)
            elif ver == 1 and gproto == 0x880B and nxt == "ppp" and i + 2 < n and toks[i + 2] in ("ip", "ipv6"):
                v1_before = sum(1 for x in L["gre.flags.version"][:k] if to_int(x) == 1)
                ok = strip("pptp", to_int(get("gre.key.call_id", v1_before)))
            if not ok:
                l4 = None
                break  # not stripped: an IP proto 47 packet
            ip = None
            l4 = None
        elif t == "erspan":
            cnt["erspan"] += 1
        elif t in ("esp", "udpencap"):
            break
        i += 1

    if ip is None or l4 is None and not (frag and frag[2]):
        return None
    if l4 is not None and l4[0] == "icmp":
        return None
    fam, k = ip
    p = Pkt()
    p.frame = int(cols[FI["frame.number"]])
    p.wire = to_int(cols[FI["frame.len"]])
    p.trunc = to_int(cols[FI["frame.cap_len"]]) < p.wire
    p.time = us_of_epoch(cols[FI["frame.time_epoch"]])
    p.src = get(fam + ".src", k)
    p.dst = get(fam + ".dst", k)
    if not p.src or not p.dst:
        return None
    if tunnel is not None:
        p.zone = f"{tunnel[0]}:{tunnel[1] & 0xFFFFFF}"
    else:
        p.zone = f"vlan:{vlan}" if vlan else "none"
    p.cid = cols[FI["communityid"]].split("|")[-1] if cols[FI["communityid"]] else ""
    sev = [to_int(x) for x in cols[FI["_ws.expert.severity"]].split("|") if x]
    p.malformed = bool(cols[FI["_ws.malformed"]]) or any(s >= PI_ERROR for s in sev)
    p.tcp_flags = 0
    p.frag_later = False
    p.frag_key = None
    p.frag_first_key = None
    if frag is not None:
        ffam, fk, off, mf = frag
        if ffam == "ip":
            proto = to_int(get("ip.proto", k))
            ident = to_int(get("ip.id", k))
        else:
            proto = to_int(get("ipv6.fraghdr.nxt", fk))
            ident = to_int(get("ipv6.fraghdr.ident", fk))
        key = (p.zone, p.src, p.dst, proto, ident)
        if off:
            if proto not in (6, 17):
                return None
            p.proto = "TCP" if proto == 6 else "UDP"
            p.sport = p.dport = None
            p.frag_later = True
            p.frag_key = key
            return p
        p.frag_first_key = key
    lt, lk = l4
    p.proto = lt.upper()
    sp, dp = get(lt + ".srcport", lk), get(lt + ".dstport", lk)
    if sp == "" or dp == "":
        return None
    p.sport, p.dport = int(sp), int(dp)
    if lt == "tcp":
        p.tcp_flags = to_int(get("tcp.flags", lk))
    return p


def prev_is_ip(toks, i):
    """True when the IP layer at toks[i] directly follows another IP layer
    (possibly through IPv6 extension header tokens)."""
    j = i - 1
    while j >= 0 and toks[j].startswith("ipv6."):
        j -= 1
    return j >= 0 and toks[j] in ("ip", "ipv6")


def run_tshark(pcap):
    cmd = ["tshark", "-n", "-r", pcap, "--enable-protocol", "communityid",
           "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
           # tidewatch decodes VXLAN on destination port 8472 too (Linux's
           # default); tshark only on 4789 unless told
           "-d", "udp.port==8472,vxlan",
           "-T", "fields", "-E", "separator=/t", "-E", "aggregator=|", "-E", "quote=n"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=600)
    # tshark exits 2 on a file cut short, after printing what it could read
    lines = [l for l in p.stdout.split("\n") if l]
    err = "\n".join(l for l in p.stderr.split("\n")
                    if l and "Running as user" not in l)
    return lines, err


class Conv:
    """Counts of one conversation in canonical orientation (lo -> hi)."""
    __slots__ = ("pkts", "bytes", "frames", "first", "last", "first_pkt", "cids", "zones",
                 "malformed", "trunc", "frag_early", "frag_late")

    def __init__(self):
        self.pkts = [0, 0]
        self.bytes = [0, 0]
        self.frames = []
        self.first = None
        self.last = None
        self.first_pkt = None
        self.cids = collections.Counter()
        self.zones = collections.Counter()   # zone -> packets
        self.malformed = []
        self.trunc = []
        self.frag_early = []   # later fragments seen before their first fragment
        self.frag_late = []    # later fragments (any)


def tshark_convs(pcap):
    lines, err = run_tshark(pcap)
    pkts = []
    for line in lines:
        cols = line.split("\t")
        if len(cols) < len(FIELDS):
            cols += [""] * (len(FIELDS) - len(cols))
        p = walk_packet(cols)
        if p is not None:
            pkts.append(p)
    # attribute later fragments to their datagram's first fragment
    first_ports = {}
    first_frame = {}
    for p in pkts:
        if p.frag_first_key is not None and p.frag_first_key not in first_ports:
            first_ports[p.frag_first_key] = (p.sport, p.dport)
            first_frame[p.frag_first_key] = p.frame
    convs = {}
    unattributed = []
    for p in pkts:
        early = False
        if p.frag_later:
            ports = first_ports.get(p.frag_key)
            if ports is None:
                unattributed.append(p.frame)
                continue
            p.sport, p.dport = ports
            early = first_frame[p.frag_key] > p.frame
        lo, plo, hi, phi, sw = canon(p.src, p.sport, p.dst, p.dport)
        key = (p.proto, lo, plo, hi, phi)
        c = convs.get(key)
        if c is None:
            c = convs[key] = Conv()
            c.first_pkt = p
            c.first = p.time
        d = 1 if sw else 0
        c.pkts[d] += 1
        c.bytes[d] += p.wire
        c.frames.append(p.frame)
        # first seen: the first packet in file order; last seen: the
        # latest time (tidewatch's clock does not go back)
        c.last = p.time if c.last is None else max(c.last, p.time)
        c.zones[p.zone] += 1
        if p.cid and not p.frag_later:
            c.cids[p.cid] += 1
        if p.malformed:
            c.malformed.append(p.frame)
        if p.trunc:
            c.trunc.append(p.frame)
        if p.frag_later:
            c.frag_late.append(p.frame)
            if early:
                c.frag_early.append(p.frame)
    return convs, unattributed, err


# --------------------------------------------------------------------------
# tidewatch side

class TwFlow:
    __slots__ = ("pkts", "bytes", "records", "cids", "zones", "first", "last", "client")

    def __init__(self):
        self.pkts = [0, 0]
        self.bytes = [0, 0]
        self.records = 0
        self.cids = collections.Counter()
        self.zones = collections.Counter()
        self.first = None
        self.last = None
        self.client = None


def tidewatch_flows(pcap, tidewatch, tmp):
    out = os.path.join(tmp, "records.json")
    stats = os.path.join(tmp, "stats.json")
    cmd = [tidewatch, "--quiet", "--pcap", pcap, "--out", out,
           "--set", "output.flows=true", "--set", f"control.socket={os.path.join(tmp, 'tw.sock')}",
           "--set", "home_net=0.0.0.0/0,::/0", "--set", f"output.stats={stats}",
           # smaller preallocations: start-up is most of the cost on small
           # captures (the corpus has < 20k flows per capture; a full table
           # would only split flows, which the aggregation absorbs)
           "--set", "dataplane.flow_table_size=65536", "--set", "dataplane.mbufs=8191",
           "--set", "analytics.max_hosts=16384", "--set", "analytics.endpoints_expected=100000"]
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=600)
    if p.returncode != 0:
        raise RuntimeError(f"tidewatch exit {p.returncode}: {p.stderr[-1500:]}")
    flows = {}
    with open(out) as f:
        for line in f:
            r = json.loads(line)
            if r.get("event_type") != "flow":
                continue
            fl = r["flow"]
            if fl["proto"] not in ("TCP", "UDP"):
                continue
            lo, plo, hi, phi, sw = canon(fl["src_ip"], fl["src_port"], fl["dest_ip"], fl["dest_port"])
            key = (fl["proto"], lo, plo, hi, phi)
            t = flows.get(key)
            if t is None:
                t = flows[key] = TwFlow()
            ts, tc = (0, 1) if not sw else (1, 0)
            t.pkts[ts] += fl["pkts_toserver"]
            t.pkts[tc] += fl["pkts_toclient"]
            t.bytes[ts] += fl["bytes_toserver"]
            t.bytes[tc] += fl["bytes_toclient"]
            t.records += 1
            t.cids[fl["community_id"]] += 1
            if "tunnel" in fl:
                zone = f"{fl['tunnel']['type']}:{fl['tunnel']['id']}"
            else:
                zone = f"vlan:{fl['vlan']}" if fl.get("vlan") else "none"
            t.zones[zone] += fl["pkts_toserver"] + fl["pkts_toclient"]
            start, end = us_of_rfc3339(fl["start"]), us_of_rfc3339(fl["end"])
            # several records per 5-tuple: timeouts, or one per zone
            if t.first is None or start < t.first:
                t.first = start
                t.client = (fl["src_ip"], fl["src_port"])
            t.last = end if t.last is None else max(t.last, end)
    st = {}
    if os.path.exists(stats):
        with open(stats) as f:
            st = json.load(f)
    return flows, st, p.stderr


# --------------------------------------------------------------------------
# comparison

class Mismatch:
    __slots__ = ("capture", "conv", "conv_rev", "field", "tw", "ts", "hint", "allowed_by", "key")

    def __init__(self, capture, conv, conv_rev, field, tw, ts, hint="", key=None):
        self.key = key
        self.capture, self.conv, self.conv_rev, self.field = capture, conv, conv_rev, field
        self.tw, self.ts, self.hint = tw, ts, hint
        self.allowed_by = None

    def line(self):
        s = f"{self.capture}\t{self.conv}\t{self.field}\ttidewatch={self.tw}\ttshark={self.ts}"
        if self.hint:
            s += f"\t({self.hint})"
        return s


def hints(c, extra=""):
    h = []
    if c is None:
        return extra
    if c.malformed:
        h.append(f"tshark malformed/error frames {frames_str(c.malformed)}")
    if c.trunc:
        h.append(f"snaplen-truncated frames {frames_str(c.trunc)}")
    if c.frag_early:
        h.append(f"later fragments before their first fragment: frames {frames_str(c.frag_early)}")
    elif c.frag_late:
        h.append(f"later fragments attributed by the oracle: frames {frames_str(c.frag_late)}")
    h.append(f"frames {frames_str(c.frames, 8)}")
    if extra:
        h.append(extra)
    return "; ".join(h)


def compare(capture, convs, flows):
    mm = []
    for key in sorted(set(convs) | set(flows), key=str):
        proto, lo, plo, hi, phi = key
        c, t = convs.get(key), flows.get(key)
        # orientation: tidewatch's client -> server, else tshark's first packet
        if t is not None:
            a, pa = t.client
        else:
            a, pa = c.first_pkt.src, c.first_pkt.sport if not c.first_pkt.frag_later else None
            if pa is None:
                a, pa = lo, plo
        fwd = (a, pa) == (lo, plo)
        b, pb = (hi, phi) if fwd else (lo, plo)
        name = conv_name(proto, a, pa, b, pb)
        rev = conv_name(proto, b, pb, a, pa)
        ts_i, tc_i = (0, 1) if fwd else (1, 0)

        def add(field, twv, tsv, extra=""):
            mm.append(Mismatch(capture, name, rev, field, twv, tsv, hints(c, extra), key))

        if c is None:
            add("missing_in_tshark", f"{t.records} record(s) pkts {t.pkts[ts_i]}/{t.pkts[tc_i]}", "-")
            continue
        if t is None:
            add("missing_in_tidewatch", "-", f"pkts {c.pkts[ts_i]}/{c.pkts[tc_i]} bytes {c.bytes[ts_i]}/{c.bytes[tc_i]}")
            continue
        for field, tv, sv in (("pkts_toserver", t.pkts[ts_i], c.pkts[ts_i]),
                              ("pkts_toclient", t.pkts[tc_i], c.pkts[tc_i]),
                              ("bytes_toserver", t.bytes[ts_i], c.bytes[ts_i]),
                              ("bytes_toclient", t.bytes[tc_i], c.bytes[tc_i])):
            if tv != sv:
                add(field, tv, sv)
        tw_cid = sorted(t.cids)
        ts_cid = c.cids.most_common(1)[0][0] if c.cids else ""
        own = community_id(6 if proto == "TCP" else 17, lo, plo, hi, phi)
        if len(tw_cid) != 1 or tw_cid[0] != ts_cid:
            extra = f"5-tuple gives {own}"
            if len(c.cids) > 1:
                extra += f"; tshark gives {len(c.cids)} different ids in this conversation"
            # tidewatch's id is the Community ID of the flow's own 5-tuple
            # while tshark's is not: tshark hashed other layers (e.g. the
            # inner packet of a tunnel tidewatch treats as plain UDP)
            field = "community_id_tshark_layer" if tw_cid == [own] else "community_id"
            add(field, ",".join(tw_cid), ts_cid or "(none)", extra)
        twz = {z: n for z, n in t.zones.items() if n}
        tsz = dict(c.zones)
        if twz != tsz and sum(t.pkts) == sum(c.pkts):
            add("zone", " ".join(f"{z}×{n}" for z, n in sorted(twz.items())),
                " ".join(f"{z}×{n}" for z, n in sorted(tsz.items())))
        fp = c.first_pkt
        if proto == "TCP" and not fp.frag_later and t.records >= 1:
            syn, ack = fp.tcp_flags & 0x02, fp.tcp_flags & 0x10
            exp = None
            if syn and not ack:
                exp = (fp.src, fp.sport)
            elif syn and ack:
                exp = (fp.dst, fp.dport)
            if exp is not None and exp != t.client:
                add("initiator", fmt_ep(*t.client), fmt_ep(*exp),
                    f"first frame {fp.frame} flags 0x{fp.tcp_flags:03x}")
        if t.first != c.first:
            add("start", fmt_us(t.first), fmt_us(c.first))
        if t.last != c.last:
            add("end", fmt_us(t.last), fmt_us(c.last))
    return mm


# --------------------------------------------------------------------------
# allow-list

class Allow:
    def __init__(self, path):
        self.entries = []
        self.errors = []
        if not path or not os.path.exists(path):
            return
        with open(path) as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                parts = line.split("\t")
                if len(parts) < 4 or not parts[3].strip():
                    self.errors.append(f"{path}:{n}: need 4 tab-separated columns with a reason: {line!r}")
                    continue
                self.entries.append({"line": n, "capture": parts[0], "conv": parts[1], "field": parts[2],
                                     "reason": "\t".join(parts[3:]).strip(), "hits": 0})

    def match(self, m):
        for e in self.entries:
            if not fnmatch.fnmatchcase(m.capture, e["capture"]):
                continue
            if not fnmatch.fnmatchcase(m.field, e["field"]):
                continue
            if not (fnmatch.fnmatchcase(m.conv, e["conv"]) or fnmatch.fnmatchcase(m.conv_rev, e["conv"])):
                continue
            e["hits"] += 1
            return e
        return None


# --------------------------------------------------------------------------
# driver

def compare_capture(pcap, tidewatch, capture_name=None):
    capture = capture_name or os.path.basename(pcap)
    tmp = tempfile.mkdtemp(prefix="tw-oracle-")
    try:
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            ft = ex.submit(tshark_convs, pcap)
            fw = ex.submit(tidewatch_flows, pcap, tidewatch, tmp)
            convs, unattributed, ts_err = ft.result()
            flows, stats, tw_err = fw.result()
    except Exception as e:  # noqa: BLE001 — reported as a tool failure of this capture
        return {"capture": capture, "error": str(e)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    mm = compare(capture, convs, flows)
    decode = collections.Counter()
    for w in stats.get("workers", []):
        decode.update(w.get("decode", {}))
    return {"capture": capture, "convs": len(convs), "flows": len(flows),
            "matched": len((set(convs) & set(flows)) - {m.key for m in mm}),
            "mismatches": mm, "unattributed_frags": unattributed,
            "decode": dict(decode), "tshark_err": ts_err[-300:] if ts_err else ""}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pcaps", nargs="*", help="capture files")
    ap.add_argument("--all", metavar="DIR", help="every capture listed in DIR/MANIFEST.tsv")
    ap.add_argument("--tidewatch", default=os.environ.get("TIDEWATCH", "build/app/tidewatch"))
    ap.add_argument("--allow", default=DEFAULT_ALLOW, help="allow-list (default: %(default)s)")
    ap.add_argument("--jobs", "-j", type=int, default=2)
    ap.add_argument("--show-allowed", action="store_true", help="also print explained mismatches")
    ap.add_argument("--strict", action="store_true", help="stale allow-list entries fail the run")
    ap.add_argument("--tsv", metavar="FILE", help="write every mismatch (capture, conv, field, tw, tshark, hint, allowed-by) here")
    args = ap.parse_args()

    if shutil.which("tshark") is None:
        print("tshark not found", file=sys.stderr)
        return 2
    if not os.path.exists(args.tidewatch):
        print(f"tidewatch binary not found: {args.tidewatch} (set TIDEWATCH or --tidewatch)", file=sys.stderr)
        return 2
    jobs = []
    if args.all:
        with open(os.path.join(args.all, "MANIFEST.tsv")) as f:
            for row in csv.DictReader(f, delimiter="\t"):
                jobs.append(os.path.join(args.all, row["file"]))
    jobs += args.pcaps
    if not jobs:
        ap.error("give capture files or --all DIR")

    allow = Allow(args.allow)
    for e in allow.errors:
        print("ALLOW-LIST ERROR:", e)
    results = []
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as ex:
        futs = [ex.submit(compare_capture, os.path.abspath(p), os.path.abspath(args.tidewatch)) for p in jobs]
        for fu in futs:
            results.append(fu.result())

    n_cap = n_match = n_expl = n_unexpl = n_err = 0
    n_conv = n_flows = 0
    by_entry = collections.Counter()
    rows = []
    for r in results:
        if "error" in r:
            n_err += 1
            print(f"ERROR {r['capture']}: {r['error']}")
            continue
        n_cap += 1
        n_match += r["matched"]
        n_conv += r["convs"]
        n_flows += r["flows"]
        for m in r["mismatches"]:
            e = allow.match(m)
            m.allowed_by = e
            if e:
                n_expl += 1
                by_entry[e["line"]] += 1
                if args.show_allowed:
                    print("allowed:", m.line(), f"[allow.tsv:{e['line']}]")
            else:
                n_unexpl += 1
                print("MISMATCH", m.line())
            rows.append(m)
    # an entry is stale when it matched nothing although its capture was compared
    compared = [r["capture"] for r in results if "error" not in r]
    # (entries for any capture, '*', only when the whole corpus was compared)
    stale = [e for e in allow.entries if e["hits"] == 0
             and (args.all if e["capture"] == "*" else
                  any(fnmatch.fnmatchcase(c, e["capture"]) for c in compared))]
    if args.tsv:
        with open(args.tsv, "w") as f:
            for m in rows:
                f.write(m.line().replace("\t(", "\t") + "\t" + (f"allow:{m.allowed_by['line']}" if m.allowed_by else "UNEXPLAINED") + "\n")
    for e in stale:
        print(f"stale allow-list entry (matched nothing) line {e['line']}: {e['capture']}\t{e['conv']}\t{e['field']}")
    print(f"summary: captures compared {n_cap}, tshark conversations {n_conv}, tidewatch flows (aggregated) "
          f"{n_flows}, conversations matched {n_match}, mismatches explained {n_expl}, "
          f"mismatches unexplained {n_unexpl}, tool errors {n_err}, stale allow entries {len(stale)}")
    if by_entry:
        print("explained by allow-list entry:")
        for e in allow.entries:
            if by_entry[e["line"]]:
                print(f"  line {e['line']:3d} ×{by_entry[e['line']]:5d}  {e['capture']} | {e['conv']} | {e['field']}: {e['reason'][:100]}")
    if n_unexpl or n_err or allow.errors or (args.strict and stale):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
