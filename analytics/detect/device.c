/* SPDX-License-Identifier: BSD-3-Clause
 * device — a device new to the network.
 *
 * During the network's learning period every host that sends a packet is
 * learned silently. Afterwards, a home-network address that sends its first
 * packet is a new device. Surprise grows with how settled the network is:
 * many known devices and a long time since the last newcomer make a new one
 * more out of character; a network where devices come and go often (DHCP
 * churn, guest Wi-Fi) scores its newcomers lower.
 */
#include <math.h>
#include <stdio.h>

#include "analytics/lcore/analytics.h"

#define DAY_NS (86400.0 * 1e9)

void
tw_detect_device(struct tw_analytics *a, struct tw_host *h, const struct tw_event *ev, bool created)
{
	char mac[24] = "";
	struct tw_record *r;

	if (!created || !tw_net_learned(a))
		return;
	h->flags |= TW_HOST_F_NEW_DEVICE;

	uint64_t known = tw_host_count(a->hosts) - 1;
	double days_quiet = a->last_new_device_ns
				    ? (double)(ev->ts_ns - a->last_new_device_ns) / DAY_NS
				    : (double)(ev->ts_ns - a->net_first_ns) / DAY_NS;
	a->last_new_device_ns = ev->ts_ns;
	/* 50 for a churning network, up to ~90 for a large, settled one */
	double settled = 1.0 - exp(-days_quiet);              /* 0..1 */
	double size = fmin(1.0, log10((double)known + 1) / 3.0); /* 1000 devices → 1 */
	unsigned score = (unsigned)lround(50.0 + 25.0 * settled + 15.0 * size);

	r = tw_rec_begin(a, h, ev, "device", "device.new", score);
	if (r == NULL)
		return;
	if (h->flags & TW_HOST_F_HAS_MAC) {
		char m[TW_MAC_STRLEN];
		snprintf(mac, sizeof(mac), " (%s)", tw_mac_fmt(h->mac, m, sizeof(m)));
	}
	char ip[TW_ADDR_STRLEN];
	snprintf(r->reason, sizeof(r->reason),
		 "new device %s%s first seen (%s) after %.1f days of learning; %lu devices known, last newcomer %.1f "
		 "days ago",
		 tw_addr_fmt(&h->addr, ip, sizeof(ip)), mac,
		 ev->type == TW_EV_NEIGH ? "ARP / neighbour discovery" : "in a flow",
		 (double)(ev->ts_ns - a->net_first_ns) / DAY_NS,
		 (unsigned long)known, days_quiet);
	tw_record_obs(r, "first_seen_days", (double)(ev->ts_ns - a->net_first_ns) / DAY_NS, false);
	tw_record_base(r, "devices_known", (double)known, true);
	tw_record_base(r, "days_since_last_new_device", days_quiet, false);
	tw_rec_emit(a, h, r);
}
