// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `voipfw doctor`'s fact gathering (doctor_facts.h). Read only.
 *
 * The ruleset comes from libnftables as JSON ("list ruleset", the only
 * command run) and is parsed with jansson: libnftables links jansson
 * itself, so it costs no new runtime dependency, and a hand-written parser
 * of nft's nested expressions was measured at several times the code of
 * the jansson walk below. This file must not include user/json.h (the
 * CLI's writer): both define json_string() and friends.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netdb.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "doctor_facts.h"
#include "status_read.h"
#include "stun.h"

/* ---- rtnetlink: addresses, the default route ---- */

static int nl_dump(int type, int family, int (*each)(struct nlmsghdr *, void *), void *ctx)
{
	struct {
		struct nlmsghdr nh;
		union {
			struct ifaddrmsg ifa;
			struct rtmsg rt;
		};
	} req = {
		.nh = { .nlmsg_type = type, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1 },
	};
	static char buf[32768];
	int fd, n, done = 0, err = 0;

	req.nh.nlmsg_len = NLMSG_LENGTH(type == RTM_GETADDR ? sizeof(req.ifa) : sizeof(req.rt));
	if (type == RTM_GETADDR)
		req.ifa.ifa_family = family;
	else
		req.rt.rtm_family = family;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		err = -errno;
		goto out;
	}
	while (!done) {
		struct nlmsghdr *nh;

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			err = -errno;
			break;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			each(nh, ctx);
		}
		if (n == 0)
			break;
	}
out:
	close(fd);
	return err;
}

static int on_addr(struct nlmsghdr *nh, void *ctx)
{
	struct doc_facts *f = ctx;
	struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	int len = IFA_PAYLOAD(nh);
	struct rtattr *rta;
	const void *local = NULL, *addr = NULL;
	const struct ifa_cacheinfo *ci = NULL;
	struct doc_addr *x;

	if (nh->nlmsg_type != RTM_NEWADDR || f->n_addrs == DOC_MAX_ADDRS ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return 0;
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFA_LOCAL)
			local = RTA_DATA(rta);
		else if (rta->rta_type == IFA_ADDRESS)
			addr = RTA_DATA(rta);
		else if (rta->rta_type == IFA_CACHEINFO)
			ci = RTA_DATA(rta);
	}
	if (local)   /* IPv4 point-to-point: IFA_ADDRESS is the peer */
		addr = local;
	if (!addr)
		return 0;
	x = &f->addrs[f->n_addrs];
	memset(x, 0, sizeof(*x));
	if (!if_indextoname(ifa->ifa_index, x->ifname))
		return 0;
	x->ipv4 = ifa->ifa_family == AF_INET;
	if (x->ipv4)
		vfw_map_ipv4(x->addr, addr);
	else
		memcpy(x->addr, addr, 16);
	x->prefixlen = ifa->ifa_prefixlen;
	if (ci && ci->ifa_valid != 0xffffffffu) {
		x->dynamic = true;
		x->valid_lft = ci->ifa_valid;
	}
	f->n_addrs++;
	return 0;
}

struct route_ctx {
	int oif;
};

static int on_route(struct nlmsghdr *nh, void *ctx)
{
	struct route_ctx *rc = ctx;
	struct rtmsg *rt = NLMSG_DATA(nh);
	int len = RTM_PAYLOAD(nh), oif = 0;
	struct rtattr *rta;
	__u32 table = rt->rtm_table;

	if (nh->nlmsg_type != RTM_NEWROUTE || rt->rtm_dst_len != 0 || rt->rtm_type != RTN_UNICAST)
		return 0;
	for (rta = RTM_RTA(rt); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == RTA_OIF)
			oif = *(int *)RTA_DATA(rta);
		else if (rta->rta_type == RTA_TABLE)
			table = *(__u32 *)RTA_DATA(rta);
	}
	if (table == RT_TABLE_MAIN && oif && !rc->oif)
		rc->oif = oif;
	return 0;
}

static bool default_route_dev(char name[IF_NAMESIZE])
{
	struct route_ctx rc = { 0 };

	nl_dump(RTM_GETROUTE, AF_INET, on_route, &rc);
	if (!rc.oif)
		nl_dump(RTM_GETROUTE, AF_INET6, on_route, &rc);
	return rc.oif && if_indextoname(rc.oif, name);
}

/* ---- nftables ---- */

static void where_of(json_t *rule, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s %s handle %lld",
		 json_string_value(json_object_get(rule, "family")) ?: "?",
		 json_string_value(json_object_get(rule, "table")) ?: "?",
		 json_string_value(json_object_get(rule, "chain")) ?: "?",
		 (long long)json_integer_value(json_object_get(rule, "handle")));
}

/* A port value: 5060, {"range": [a, b]} or {"set": [...]}. false: not understood. */
static bool add_ports(struct doc_dnat *d, json_t *v)
{
	json_t *e, *r;
	size_t i;

	if (json_is_integer(v)) {
		if (d->n_match == DOC_MAX_MATCH)
			return false;
		d->match[d->n_match].first = d->match[d->n_match].last = json_integer_value(v);
		d->n_match++;
		return true;
	}
	r = json_object_get(v, "range");
	if (json_is_array(r) && json_array_size(r) == 2 &&
	    json_is_integer(json_array_get(r, 0)) && json_is_integer(json_array_get(r, 1))) {
		if (d->n_match == DOC_MAX_MATCH)
			return false;
		d->match[d->n_match].first = json_integer_value(json_array_get(r, 0));
		d->match[d->n_match].last = json_integer_value(json_array_get(r, 1));
		d->n_match++;
		return true;
	}
	r = json_object_get(v, "set");
	if (!json_is_array(r))
		return false;   /* "@named_set", a map, a concatenation */
	json_array_foreach(r, i, e)
		if (!add_ports(d, e))
			return false;
	return true;
}

static void l4_names(struct doc_dnat *d, json_t *v)
{
	json_t *e;
	size_t i;

	if (json_is_string(v)) {
		d->udp |= strcmp(json_string_value(v), "udp") == 0;
		d->tcp |= strcmp(json_string_value(v), "tcp") == 0;
	}
	json_array_foreach(json_object_get(v, "set"), i, e)
		l4_names(d, e);
}

/* One match expression of a dnat rule; false: not understood. */
static bool dnat_match(struct doc_dnat *d, json_t *m, bool *l4)
{
	json_t *left = json_object_get(m, "left"), *right = json_object_get(m, "right");
	json_t *meta = json_object_get(left, "meta"), *pl = json_object_get(left, "payload");
	const char *op = json_string_value(json_object_get(m, "op")) ?: "";
	const char *key = json_string_value(json_object_get(meta, "key"));
	const char *proto = json_string_value(json_object_get(pl, "protocol"));
	const char *field = json_string_value(json_object_get(pl, "field"));

	if (key && strcmp(key, "iifname") == 0) {
		if (json_is_string(right) && strcmp(op, "==") == 0)
			snprintf(d->iifname, sizeof(d->iifname), "%s", json_string_value(right));
		return true;   /* a set or "!=": treated as any input */
	}
	if (key && strcmp(key, "l4proto") == 0) {
		l4_names(d, right);
		*l4 = true;
		return strcmp(op, "==") == 0 || strcmp(op, "in") == 0;
	}
	if (proto && field && strcmp(field, "dport") == 0) {
		if (strcmp(proto, "udp") == 0)
			d->udp = *l4 = true;
		else if (strcmp(proto, "tcp") == 0)
			d->tcp = *l4 = true;
		else if (strcmp(proto, "th"))
			return true;   /* sctp, dccp: not ours */
		return (strcmp(op, "==") == 0 || strcmp(op, "in") == 0) && add_ports(d, right);
	}
	return true;   /* addresses, marks, ...: do not change what is forwarded */
}

static bool dnat_target(struct doc_dnat *d, json_t *s)
{
	json_t *addr = json_object_get(s, "addr"), *port = json_object_get(s, "port");
	struct doc_dnat p = { 0 };
	bool v4;

	if (addr) {
		if (!json_is_string(addr) || vfw_parse_addr(json_string_value(addr), d->addr, &v4))
			return false;
		d->has_addr = true;
	}
	if (port) {
		if (!add_ports(&p, port) || p.n_match != 1)
			return false;
		d->to_first = p.match[0].first;
		d->to_last = p.match[0].last;
	}
	return true;
}

static void nft_rule(struct doc_facts *f, json_t *rule)
{
	struct doc_dnat d = { 0 };
	bool l4 = false, ok = true, is_dnat = false;
	json_t *e, *x;
	size_t i;

	where_of(rule, d.where, sizeof(d.where));
	json_array_foreach(json_object_get(rule, "expr"), i, e) {
		if ((x = json_object_get(e, "match")))
			ok = ok && dnat_match(&d, x, &l4);
		else if ((x = json_object_get(e, "dnat"))) {
			is_dnat = true;
			ok = ok && dnat_target(&d, x);
		} else if ((x = json_object_get(e, "ct helper")) && json_is_string(x) &&
			   f->n_helper_rules < DOC_MAX_HELPERS) {
			struct doc_helper *h = &f->helper_rules[f->n_helper_rules++];

			snprintf(h->where, sizeof(h->where), "%s", d.where);
			snprintf(h->name, sizeof(h->name), "%s", json_string_value(x));
		} else if ((x = json_object_get(e, "xt"))) {
			/*
			 * iptables-nft: libnftables 1.0.6 prints an extension as
			 * {"xt": null}, later ones with its name, never its options.
			 * "-j CT --helper sip" lives in the raw table.
			 */
			const char *name = json_string_value(json_object_get(x, "name"));
			const char *tbl = json_string_value(json_object_get(rule, "table"));

			if (name ? strcmp(name, "CT") == 0 : tbl && strcmp(tbl, "raw") == 0) {
				if (!f->n_xt_ct++)
					snprintf(f->xt_ct_where, sizeof(f->xt_ct_where), "%s", d.where);
			}
		}
	}
	if (!is_dnat)
		return;
	if (!l4)
		d.udp = d.tcp = true;
	if (!ok) {
		if (!f->n_dnat_unread++)
			snprintf(f->dnat_unread_where, sizeof(f->dnat_unread_where), "%s", d.where);
		return;
	}
	if (f->n_dnat < DOC_MAX_DNAT)
		f->dnat[f->n_dnat++] = d;
}

/* A rule's "ct helper set NAME" names an object of its own table. */
static void resolve_helpers(struct doc_facts *f, json_t *objs)
{
	unsigned i, k;

	for (i = 0; i < f->n_helper_rules; i++) {
		struct doc_helper *r = &f->helper_rules[i];

		for (k = 0; k < json_array_size(objs); k++) {
			json_t *o = json_array_get(objs, k);
			char tbl[DOC_WHERE_LEN];

			snprintf(tbl, sizeof(tbl), "%s %s ",
				 json_string_value(json_object_get(o, "family")) ?: "",
				 json_string_value(json_object_get(o, "table")) ?: "");
			if (strncmp(r->where, tbl, strlen(tbl)) == 0 &&
			    strcmp(json_string_value(json_object_get(o, "name")) ?: "", r->name) == 0)
				snprintf(r->type, sizeof(r->type), "%s",
					 json_string_value(json_object_get(o, "type")) ?: "");
		}
	}
}

static void gather_nft(struct doc_facts *f)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	json_t *root = NULL, *objs = json_array(), *o, *x;
	json_error_t jerr;
	size_t i;

	if (!nft || !objs) {
		snprintf(f->nft_err, sizeof(f->nft_err), "cannot start libnftables");
		goto out;
	}
	nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	if (nft_run_cmd_from_buffer(nft, "list ruleset")) {
		snprintf(f->nft_err, sizeof(f->nft_err), "nft list ruleset: %.100s",
			 nft_ctx_get_error_buffer(nft));
		f->nft_err[strcspn(f->nft_err, "\n")] = '\0';
		goto out;
	}
	root = json_loads(nft_ctx_get_output_buffer(nft), 0, &jerr);
	if (!root || !json_is_array(json_object_get(root, "nftables"))) {
		snprintf(f->nft_err, sizeof(f->nft_err), "libnftables JSON not readable: %.60s",
			 root ? "no \"nftables\" array" : jerr.text);
		goto out;
	}
	json_array_foreach(json_object_get(root, "nftables"), i, o) {
		if ((x = json_object_get(o, "ct helper"))) {
			json_array_append(objs, x);
			if (f->n_helper_objs < DOC_MAX_HELPERS) {
				struct doc_helper *h = &f->helper_objs[f->n_helper_objs++];

				snprintf(h->where, sizeof(h->where), "%s %s %s",
					 json_string_value(json_object_get(x, "family")) ?: "?",
					 json_string_value(json_object_get(x, "table")) ?: "?",
					 json_string_value(json_object_get(x, "name")) ?: "?");
				snprintf(h->name, sizeof(h->name), "%s",
					 json_string_value(json_object_get(x, "name")) ?: "");
				snprintf(h->type, sizeof(h->type), "%s",
					 json_string_value(json_object_get(x, "type")) ?: "");
			}
		} else if ((x = json_object_get(o, "rule"))) {
			nft_rule(f, x);
		}
	}
	resolve_helpers(f, objs);
	f->nft_ok = true;
out:
	json_decref(root);
	json_decref(objs);
	if (nft)
		nft_ctx_free(nft);
}

/* ---- sysctls, the SIP helper, conntrack ---- */

static int read_int(const char *path)
{
	FILE *fp = fopen(path, "re");
	int v = -1;

	if (!fp)
		return -1;
	if (fscanf(fp, "%d", &v) != 1)
		v = -1;
	fclose(fp);
	return v;
}

static int on_ct(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *ctx)
{
	int *n = ctx;
	const char *h;

	if (nfct_attr_is_set(ct, ATTR_HELPER_NAME) > 0 &&
	    (h = nfct_get_attr(ct, ATTR_HELPER_NAME)) && strcmp(h, "sip") == 0)
		++*n;
	return NFCT_CB_CONTINUE;
}

static int count_ct_sip(void)
{
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	__u32 family = AF_UNSPEC;
	int n = 0;

	if (!h)
		return -1;
	nfct_callback_register(h, NFCT_T_ALL, on_ct, &n);
	if (nfct_query(h, NFCT_Q_DUMP, &family) < 0)
		n = -1;
	nfct_close(h);
	return n;
}

/* ---- STUN (--stun) ---- */

/* "host", "host:port", "[v6]:port", "v6" into host and port. */
static int split_server(const char *s, char *host, size_t len, char *port, size_t plen)
{
	const char *colon = strrchr(s, ':');

	snprintf(port, plen, "%u", VFW_STUN_PORT);
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		snprintf(host, len, "%.*s", (int)(end - s - 1), s + 1);
		if (end[1])
			snprintf(port, plen, "%s", end + 2);
		return 0;
	}
	if (colon && colon == strchr(s, ':')) {   /* exactly one colon */
		snprintf(host, len, "%.*s", (int)(colon - s), s);
		snprintf(port, plen, "%s", colon + 1);
		return 0;
	}
	snprintf(host, len, "%s", s);
	return 0;
}

/* One Binding transaction with server s over fd: 3 tries, 500 ms each. */
static void stun_ask(int fd, struct doc_stun *s)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	char host[256], port[16];
	__u8 txid[12], req[VFW_STUN_HDR_LEN], buf[1500];
	struct sockaddr_in to, from;
	int tries, rc;

	if (split_server(s->server, host, sizeof(host), port, sizeof(port))) {
		snprintf(s->err, sizeof(s->err), "not HOST[:PORT]");
		return;
	}
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc || !ai) {
		snprintf(s->err, sizeof(s->err), "%.60s", rc == EAI_FAMILY || rc == EAI_NODATA ||
			 rc == EAI_ADDRFAMILY ? "no IPv4 address (IPv6 STUN: not yet)" :
			 gai_strerror(rc));
		return;
	}
	memcpy(&to, ai->ai_addr, sizeof(to));
	freeaddrinfo(ai);
	vfw_map_ipv4(s->server_addr, (const __u8 *)&to.sin_addr);
	s->server_port = ntohs(to.sin_port);
	if (getrandom(txid, sizeof(txid), 0) != sizeof(txid)) {
		snprintf(s->err, sizeof(s->err), "no random transaction id");
		return;
	}
	vfw_stun_request(req, txid);
	for (tries = 0; tries < 3; tries++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (sendto(fd, req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			snprintf(s->err, sizeof(s->err), "send: %.50s", strerror(errno));
			return;
		}
		while (poll(&p, 1, 500) > 0) {
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

			if (n < 0)
				break;
			if (from.sin_addr.s_addr != to.sin_addr.s_addr || from.sin_port != to.sin_port)
				continue;   /* not the server asked */
			rc = vfw_stun_parse(buf, n, txid, s->mapped, &s->mapped_port);
			if (rc == 0) {
				s->err[0] = '\0';
				return;
			}
			if (rc == -EPROTO) {
				snprintf(s->err, sizeof(s->err), "error response");
				return;
			}
		}
	}
	snprintf(s->err, sizeof(s->err), "no answer in 1.5 s");
}

static void gather_stun(struct doc_facts *f, const char *const *servers, unsigned n)
{
	struct sockaddr_in local = { .sin_family = AF_INET };
	socklen_t len = sizeof(local);
	unsigned i;
	int fd;

	for (i = 0; i < n && i < DOC_MAX_STUN; i++)
		snprintf(f->stun[f->n_stun++].server, sizeof(f->stun[0].server), "%s", servers[i]);
	if (!f->n_stun)
		return;
	/* one socket, so every server sees the same local port through the NAT */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) ||
	    getsockname(fd, (struct sockaddr *)&local, &len)) {
		for (i = 0; i < f->n_stun; i++)
			snprintf(f->stun[i].err, sizeof(f->stun[i].err), "socket: %.50s",
				 strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	f->stun_local_port = ntohs(local.sin_port);
	for (i = 0; i < f->n_stun; i++)
		stun_ask(fd, &f->stun[i]);
	close(fd);
}

/* ---- voipfw's maps ---- */

static int gather_maps(struct doc_facts *f, const char *pin_dir)
{
	struct vfw_port_class_entry *ports;
	struct vfw_status *st;
	char path[4096];
	unsigned i;

	f->pin_dir = pin_dir;
	snprintf(path, sizeof(path), "%s/ports", pin_dir);
	if (access(path, F_OK)) {   /* not loaded: say so without the map layer's log */
		snprintf(f->maps_err, sizeof(f->maps_err), errno == EACCES ?
			 "%s not readable (run as root)" : "no maps in %s", pin_dir);
		return 0;
	}
	st = calloc(1, sizeof(*st));
	ports = calloc(VFW_PORT_SLOTS, sizeof(*ports));
	if (!st || !ports) {
		free(st);
		free(ports);
		return -ENOMEM;
	}
	if (vfw_status_read(pin_dir, st, ports)) {
		snprintf(f->maps_err, sizeof(f->maps_err), "maps in %s not readable", pin_dir);
		free(ports);
		free(st);
		return 0;
	}
	f->have_maps = true;
	f->ports = ports;
	for (i = 0; i < (unsigned)st->n_ifaces && i < DOC_MAX_IFACES; i++)
		f->ifaces[f->n_ifaces++] = st->ifaces[i];
	for (i = 0; i < VFW_STATUS_FILL_MAPS && i < DOC_MAX_FILL; i++) {
		snprintf(f->fill[i].name, sizeof(f->fill[i].name), "%s", st->fill[i].name);
		f->fill[i].used = st->fill[i].used;
		f->fill[i].max = st->fill[i].max;
		f->n_fill++;
	}
	f->feed_on = st->rt.tap;
	f->tap_lost = st->tap[VFW_TAP_LOST];
	free(st);
	return 0;
}

int doc_facts_gather(struct doc_facts *f, const char *iface, const char *pin_dir,
		     const struct vfw_config *cfg, const char *const *stun,
		     unsigned n_stun)
{
	int err;

	memset(f, 0, sizeof(*f));
	f->cfg = cfg;
	err = gather_maps(f, pin_dir);
	if (err)
		return err;
	nl_dump(RTM_GETADDR, AF_UNSPEC, on_addr, f);
	if (iface) {
		snprintf(f->wan, sizeof(f->wan), "%s", iface);
		f->wan_from = "--iface";
	} else if (cfg && cfg->n_ifaces) {
		snprintf(f->wan, sizeof(f->wan), "%s", cfg->ifaces[0]);
		f->wan_from = "config";
	} else if (f->n_ifaces) {
		snprintf(f->wan, sizeof(f->wan), "%.15s", (const char *)f->ifaces[0].name);
		f->wan_from = "voipfw attached";
	} else if (default_route_dev(f->wan)) {
		f->wan_from = "default route";
	}
	gather_nft(f);
	f->sip_module = access("/sys/module/nf_conntrack_sip", F_OK) == 0;
	f->helper_sysctl = read_int("/proc/sys/net/netfilter/nf_conntrack_helper");
	f->udp_timeout = read_int("/proc/sys/net/netfilter/nf_conntrack_udp_timeout");
	f->udp_timeout_stream = read_int("/proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream");
	f->ct_sip_entries = count_ct_sip();
	gather_stun(f, stun, n_stun);
	return 0;
}

void doc_facts_free(struct doc_facts *f)
{
	free((void *)f->ports);
	f->ports = NULL;
}
