#!/usr/bin/env bash
# Integration test for tw-gen: determinism, pcap sanity, labels, optional tshark decode checks.
# usage: test_tracegen.sh /path/to/tw-gen
set -euo pipefail
GEN=${1:?usage: test_tracegen.sh TW_GEN}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# small but complete trace: 3 days (Mon-Wed), all injections on day 2
ARGS=(--seed 7 --days 3 --workstations 16 --servers 9 --inject scan,device,rare,beacon,exfil)
"$GEN" "${ARGS[@]}" --out "$T/a.pcap" 2>"$T/a.err" || fail "tw-gen failed: $(cat "$T/a.err")"
"$GEN" "${ARGS[@]}" --out "$T/b.pcap" 2>/dev/null
"$GEN" --seed 8 --days 3 --workstations 16 --servers 9 --inject scan,device,rare,beacon,exfil --out "$T/c.pcap" 2>/dev/null
cmp -s "$T/a.pcap" "$T/b.pcap" || fail "same seed gave different pcaps"
cmp -s "$T/a.labels.jsonl" "$T/b.labels.jsonl" || fail "same seed gave different labels"
cmp -s "$T/a.pcap" "$T/c.pcap" && fail "different seeds gave identical pcaps"
grep -q packets "$T/a.err" || fail "no statistics on stderr"

# pcap structure, labels content
python3 - "$T/a.pcap" "$T/a.labels.jsonl" <<'PY'
import json, struct, sys
pcap, labels = sys.argv[1], sys.argv[2]
with open(pcap, 'rb') as f:
    hdr = f.read(24)
    magic, vmaj, vmin, _, _, snap, lt = struct.unpack('<IHHiIII', hdr)
    assert magic == 0xa1b23c4d, hex(magic)
    assert (vmaj, vmin) == (2, 4) and lt == 1, (vmaj, vmin, lt)
    n = 0; last = 0; wire = 0; trunc = 0; vlan = v6 = arp = 0
    while True:
        h = f.read(16)
        if not h:
            break
        assert len(h) == 16, 'short record header'
        s, ns, cl, ol = struct.unpack('<IIII', h)
        assert ns < 10**9, 'ns field out of range'
        assert 14 <= cl <= snap and cl <= ol <= 65535 + 18, (n, cl, ol)
        d = f.read(cl)
        assert len(d) == cl, 'truncated file'
        t = s * 10**9 + ns
        assert t >= last, 'timestamps decrease at record %d' % n
        last = t
        et = d[12:14]
        if et == b'\x81\x00':
            vlan += 1; et = d[16:18]; o = 18
        else:
            o = 14
        if et == b'\x86\xdd': v6 += 1
        if et == b'\x08\x06': arp += 1
        if et == b'\x08\x00':
            ihl = (d[o] & 15) * 4
            tot = struct.unpack('>H', d[o+2:o+4])[0]
            assert tot + o == ol or (ol == 60 and tot + o < 60), ('ip total length', n, tot, ol)
            s_ = 0
            for i in range(0, ihl, 2):
                s_ += (d[o+i] << 8) | d[o+i+1]
            while s_ >> 16:
                s_ = (s_ & 0xffff) + (s_ >> 16)
            assert s_ == 0xffff, 'bad IPv4 header checksum at record %d' % n
        if cl < ol: trunc += 1
        wire += ol; n += 1
assert n > 50000, n
assert vlan and v6 and arp and trunc, (vlan, v6, arp, trunc)
print('pcap ok: %d packets, %d wire bytes, %d truncated, %d vlan, %d ipv6, %d arp' % (n, wire, trunc, vlan, v6, arp))
seen = {}
for line in open(labels):
    j = json.loads(line)
    for k in ('behaviour', 'category', 'host', 'start', 'end'):
        assert k in j, (k, line)
    seen.setdefault(j['behaviour'], []).append(j)
for b in ('scan', 'device', 'rare', 'beacon', 'exfil'):
    assert b in seen, 'missing label ' + b
    assert seen[b][0]['start'].startswith('2026-01-07'), seen[b][0]
    assert seen[b][0]['start'] <= seen[b][0]['end']
traps = {j['detail']['trap'] for j in seen.get('benign_trap', [])}
for t in ('admin_workstation', 'authorised_vuln_scanner', 'popular_periodic', 'nightly_backup'):
    assert t in traps, 'missing trap ' + t
assert all(j['expect'] == 'no_alert' for j in seen['benign_trap'])
assert seen['beacon'][0]['detail']['connections'] >= 120
assert seen['rare'][0]['detail']['connections'] >= 20
assert seen['exfil'][0]['detail']['bytes_out_wire'] >= 10**9
print('labels ok:', sorted(seen))
PY

# clean trace: no injected labels
"$GEN" --seed 7 --days 3 --workstations 16 --servers 9 --inject none --out "$T/n.pcap" 2>/dev/null
! grep -q '"expect":"alert"' "$T/n.labels.jsonl" || fail "--inject none produced injected labels"

# bad usage exits 2
set +e
"$GEN" --profile nope >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad profile should exit 2"
"$GEN" --days 2 --inject scan --out "$T/x.pcap" >/dev/null 2>&1; [ $? -eq 2 ] || fail "inject within learning period should exit 2"
set -e

# benchmark profiles
"$GEN" --profile bench64 --flows 10000 --packets 200000 --out "$T/b64.pcap" 2>/dev/null
[ "$(stat -c %s "$T/b64.pcap")" -eq $((24 + 200000 * (16 + 60))) ] || fail "bench64 size"
"$GEN" --profile imix --packets 50000 --out "$T/imix.pcap" --snaplen 128 2>/dev/null

# tshark oracle (optional)
if command -v tshark >/dev/null 2>&1; then
    n=$(tshark -r "$T/a.pcap" -q -z io,stat,0 2>/dev/null | awk -F'|' '/<>/{gsub(/ /,"",$3); print $3}')
    [ -n "$n" ] && [ "$n" -gt 50000 ] || fail "tshark could not read the capture ($n)"
    bad=$(tshark -r "$T/a.pcap" -Y '_ws.malformed || _ws.expert.severity == error' 2>/dev/null | wc -l)
    [ "$bad" -le 5 ] || fail "tshark reports $bad malformed/error packets"
    sni=$(tshark -r "$T/a.pcap" -Y tls.handshake.extensions_server_name -T fields -e tls.handshake.extensions_server_name 2>/dev/null | sort -u | wc -l)
    [ "$sni" -gt 50 ] || fail "too few distinct SNIs ($sni)"
    nx=$(tshark -r "$T/a.pcap" -Y 'dns.flags.rcode == 3' 2>/dev/null | wc -l); [ "$nx" -gt 0 ] || fail "no NXDOMAIN"
    tshark -r "$T/a.pcap" -Y 'tls.handshake.extensions_server_name == "cdn.static-sync-update.com"' -T fields -e ip.src 2>/dev/null | sort -u | wc -l | grep -qx 1 || fail "rare endpoint contacted by more than one host"
    bad=$(tshark -r "$T/b64.pcap" -Y '_ws.malformed || _ws.expert.severity == error' 2>/dev/null | wc -l)
    [ "$bad" -eq 0 ] || fail "bench64: $bad malformed"
    echo "tshark ok: $n frames, $sni SNIs"
fi
echo PASS
