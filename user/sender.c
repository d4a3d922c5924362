// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Who sent an outgoing SIP packet, before NAT: see sender.h. */
#include "sender.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "log.h"
#include "ratelimit.h"
#include "maps.h"

#define NSEC 1000000000ULL
/* This host's addresses, re-read at most this often (on a miss only). */
#define LOCAL_REFRESH_NS NSEC
#define LOCAL_MAX 64

struct vfw_sender {
	struct nfct_handle *ct;
	__u32 n_hosts;
	struct vfw_prefix hosts[VFW_CONFIG_MAX_VOIP_HOSTS];
	bool local;
	/* the query in flight: what was asked, and on_entry()'s answer */
	__u8 asked_src[16];
	__u16 asked_sport;
	bool found;
	__u8 orig_src[16];
	__u32 n_local;
	__u8 local_addr[LOCAL_MAX][16];
	__u64 local_read_ns;
	struct vfw_ratelimit log;
};

/* One direction's source (16-byte form) and source port, from an entry. */
static void entry_source(const struct nf_conntrack *ct, bool reply, __u8 addr[16],
			 __u16 *port)
{
	__u32 v4;

	if (nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) == AF_INET) {
		v4 = nfct_get_attr_u32(ct, reply ? ATTR_REPL_IPV4_SRC : ATTR_ORIG_IPV4_SRC);
		vfw_map_ipv4(addr, (const __u8 *)&v4);
	} else {
		memcpy(addr, nfct_get_attr(ct, reply ? ATTR_REPL_IPV6_SRC : ATTR_ORIG_IPV6_SRC), 16);
	}
	*port = ntohs(nfct_get_attr_u16(ct, reply ? ATTR_REPL_PORT_SRC : ATTR_ORIG_PORT_SRC));
}

/*
 * The entry matched our tuple in one of its two directions: the sender is
 * the source of the other. Asked (far end -> us): if that is the entry's
 * original direction, the far end opened the connection (a port forward)
 * and the sender is the reply's source (the host it was forwarded to);
 * otherwise we opened it and the sender is the original source.
 */
static int on_entry(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
		    void *data)
{
	struct vfw_sender *s = data;
	__u8 addr[16];
	__u16 port;

	(void)type;
	entry_source(ct, false, addr, &port);
	if (!memcmp(addr, s->asked_src, 16) && port == s->asked_sport)
		entry_source(ct, true, s->orig_src, &port);
	else
		memcpy(s->orig_src, addr, 16);
	s->found = true;
	/* not STOP: the kernel's ACK would stay queued and answer the next query */
	return NFCT_CB_CONTINUE;
}

void vfw_sender_configure(struct vfw_sender *s, const struct vfw_config *cfg)
{
	s->n_hosts = cfg->n_voip_hosts;
	memcpy(s->hosts, cfg->voip_hosts, sizeof(s->hosts));
	s->local = cfg->voip_local;
}

struct vfw_sender *vfw_sender_new(const struct vfw_config *cfg)
{
	struct vfw_sender *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ct = nfct_open(CONNTRACK, 0);
	if (!s->ct) {
		int err = errno;

		free(s);
		errno = err;
		return NULL;
	}
	nfct_callback_register(s->ct, NFCT_T_ALL, on_entry, s);
	vfw_sender_configure(s, cfg);
	return s;
}

void vfw_sender_free(struct vfw_sender *s)
{
	if (!s)
		return;
	nfct_close(s->ct);
	free(s);
}

/*
 * The tuple of the way back, far end -> us (the packet left src -> dst).
 * Conntrack finds an entry by either of its directions, so this matches
 * both a connection we opened (masquerade rewrote its original source)
 * and one the far end opened (a port forward rewrote its destination).
 * libnetfilter_conntrack sends it as the "original" tuple: the kernel's
 * lookup does not care, and the library cannot send a reply tuple alone.
 */
static void way_back(struct vfw_sender *s, struct nf_conntrack *ct,
		     const struct vfw_datagram *d)
{
	__u8 family = vfw_addr_is_ipv4(d->saddr) ? AF_INET : AF_INET6;

	memcpy(s->asked_src, d->daddr, 16);
	s->asked_sport = d->dport;
	nfct_set_attr_u8(ct, ATTR_ORIG_L3PROTO, family);
	nfct_set_attr_u8(ct, ATTR_ORIG_L4PROTO, d->proto);
	if (family == AF_INET) {
		__u32 src, dst;

		memcpy(&src, d->daddr + 12, 4);
		memcpy(&dst, d->saddr + 12, 4);
		nfct_set_attr_u32(ct, ATTR_ORIG_IPV4_SRC, src);
		nfct_set_attr_u32(ct, ATTR_ORIG_IPV4_DST, dst);
	} else {
		nfct_set_attr(ct, ATTR_ORIG_IPV6_SRC, d->daddr);
		nfct_set_attr(ct, ATTR_ORIG_IPV6_DST, d->saddr);
	}
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_SRC, htons(d->dport));
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons(d->sport));
}

/* The sender before NAT into src; -errno when conntrack could not answer. */
static int original_sender(struct vfw_sender *s, const struct vfw_datagram *d,
			   __u8 src[16])
{
	struct nf_conntrack *ct = nfct_new();
	int rc;

	if (!ct)
		return -ENOMEM;
	way_back(s, ct, d);
	s->found = false;
	rc = nfct_query(s->ct, NFCT_Q_GET, ct) ? -errno : 0;
	nfct_destroy(ct);
	if (rc == -ENOENT) {
		/* never translated: NAT would have left an entry */
		memcpy(src, d->saddr, 16);
		return 0;
	}
	if (rc)
		return rc;
	if (!s->found)
		return -ENODATA;   /* an answer without the entry: never guess */
	memcpy(src, s->orig_src, 16);
	return 0;
}

static void read_local_addresses(struct vfw_sender *s, __u64 now)
{
	struct ifaddrs *all, *i;

	s->local_read_ns = now;
	if (getifaddrs(&all)) {
		pr_warn("cannot list this host's addresses: %s", strerror(errno));
		return;
	}
	s->n_local = 0;
	for (i = all; i && s->n_local < LOCAL_MAX; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			vfw_map_ipv4(s->local_addr[s->n_local++], (const __u8 *)
				     &((struct sockaddr_in *)i->ifa_addr)->sin_addr);
		else if (i->ifa_addr->sa_family == AF_INET6)
			memcpy(s->local_addr[s->n_local++],
			       &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
	}
	freeifaddrs(all);
}

static bool listed_local(const struct vfw_sender *s, const __u8 addr[16])
{
	__u32 i;

	for (i = 0; i < s->n_local; i++)
		if (!memcmp(s->local_addr[i], addr, 16))
			return true;
	return false;
}

/* Addresses come and go (DHCP, IPv6 privacy): a miss re-reads them, at most once a second. */
static bool is_local(struct vfw_sender *s, const __u8 addr[16])
{
	__u64 now = vfw_now_ns();

	if (listed_local(s, addr))
		return true;
	if (s->local_read_ns && now - s->local_read_ns < LOCAL_REFRESH_NS)
		return false;
	read_local_addresses(s, now);
	return listed_local(s, addr);
}

static bool in_voip_hosts(struct vfw_sender *s, const __u8 addr[16])
{
	__u32 i;

	for (i = 0; i < s->n_hosts; i++)
		if (vfw_prefix_contains(&s->hosts[i], addr))
			return true;
	return s->local && is_local(s, addr);
}

static void log_refused(struct vfw_sender *s, const char *kind, const __u8 src[16],
			int err)
{
	char addr[VFW_ADDR_STRLEN];
	__u32 suppressed;

	if (!vfw_ratelimit_allow(&s->log, kind, vfw_now_ns(), &suppressed))
		return;
	if (suppressed)
		pr_warn("(%u more '%s' warnings were not logged)", suppressed, kind);
	if (err)
		pr_warn("outgoing SIP ignored: conntrack cannot say who sent it (%s)",
			strerror(-err));
	else
		pr_warn("outgoing SIP from %s ignored: not a voip_hosts address (add it to voip_hosts if it is your VoIP system)",
			vfw_addr_str(src, addr, sizeof(addr)));
}

bool vfw_sender_is_voip_host(void *sender, const struct vfw_datagram *d)
{
	struct vfw_sender *s = sender;
	__u8 src[16];
	int err = original_sender(s, d, src);

	if (err) {
		log_refused(s, "conntrack lookup failed", d->saddr, err);
		return false;
	}
	if (in_voip_hosts(s, src))
		return true;
	log_refused(s, "not a voip host", src, 0);
	return false;
}
