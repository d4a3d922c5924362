// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `voipfw doctor`'s verdicts from router facts (doctor.h). Pure. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "doctor.h"

static const char *const check_names[] = {
#define DOC_NAME(id, name) [DOC_##id] = name,
	DOC_CHECK_LIST(DOC_NAME)
#undef DOC_NAME
};

const char *doc_check_name(enum doc_check c)
{
	return c < DOC_CHECK_COUNT ? check_names[c] : "?";
}

const char *doc_status_name(enum doc_status s)
{
	static const char *const n[] = { "ok", "warn", "fail", "skip" };

	return s <= DOC_SKIP ? n[s] : "?";
}

/* ---- result text ---- */

static void vappend(char *buf, size_t len, const char *fmt, va_list ap)
{
	size_t used = strnlen(buf, len);

	if (used + 1 < len)
		vsnprintf(buf + used, len - used, fmt, ap);
}

static void __attribute__((format(printf, 2, 3))) detail(struct doc_result *r,
							 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vappend(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

/* The first fix given wins: the most severe finding sets it first. */
static void __attribute__((format(printf, 2, 3))) fix(struct doc_result *r,
						      const char *fmt, ...)
{
	va_list ap;

	if (r->fix[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->fix, sizeof(r->fix), fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3))) evidence(struct doc_result *r,
							   const char *fmt, ...)
{
	va_list ap;

	if (r->n_evidence == DOC_MAX_EVIDENCE)
		return;
	va_start(ap, fmt);
	vsnprintf(r->evidence[r->n_evidence++], DOC_EVIDENCE_LEN, fmt, ap);
	va_end(ap);
}

static void raise_to(struct doc_result *r, enum doc_status s)
{
	/* skip < ok < warn < fail in severity */
	static const int rank[] = { [DOC_SKIP] = 0, [DOC_OK] = 1, [DOC_WARN] = 2,
				    [DOC_FAIL] = 3 };

	if (rank[s] > rank[r->status])
		r->status = s;
}

static void skip(struct doc_result *r, const char *why)
{
	r->status = DOC_SKIP;
	snprintf(r->detail, sizeof(r->detail), "%s", why);
}

/* ---- addresses ---- */

enum doc_v4_kind doc_v4_kind(const __u8 a[16])
{
	const __u8 *v4 = a + 12;

	if (!vfw_addr_is_ipv4(a))
		return DOC_V4_OTHER;
	if (v4[0] == 10 || (v4[0] == 172 && (v4[1] & 0xf0) == 16) ||
	    (v4[0] == 192 && v4[1] == 168))
		return DOC_V4_PRIVATE;
	if (v4[0] == 100 && (v4[1] & 0xc0) == 64)
		return DOC_V4_CGN;
	if (v4[0] == 0 || v4[0] == 127 || (v4[0] == 169 && v4[1] == 254) ||
	    v4[0] >= 224)
		return DOC_V4_OTHER;
	return DOC_V4_PUBLIC;
}

bool doc_v6_global(const __u8 a[16])
{
	return !vfw_addr_is_ipv4(a) && (a[0] & 0xe0) == 0x20;
}

static const char *addr_str(const __u8 a[16], char buf[VFW_ADDR_STRLEN])
{
	return vfw_addr_str(a, buf, VFW_ADDR_STRLEN);
}

/* ---- port sets ---- */

struct portset {
	__u64 w[VFW_PORT_SLOTS / 64];
};

static void ps_add(struct portset *s, __u32 p)
{
	s->w[p / 64] |= 1ULL << (p % 64);
}

static bool ps_has(const struct portset *s, __u32 p)
{
	return p < VFW_PORT_SLOTS && (s->w[p / 64] >> (p % 64) & 1);
}

static unsigned ps_count(const struct portset *s)
{
	unsigned n = 0, i;

	for (i = 0; i < VFW_PORT_SLOTS / 64; i++)
		n += __builtin_popcountll(s->w[i]);
	return n;
}

/* "10000-10010, 10012" into buf, "..." when it does not fit. */
static const char *ps_str(const struct portset *s, char *buf, size_t len)
{
	__u32 p = 0, q;
	size_t used = 0;
	int n;

	buf[0] = '\0';
	while (p < VFW_PORT_SLOTS) {
		if (!ps_has(s, p)) {
			p++;
			continue;
		}
		for (q = p; q + 1 < VFW_PORT_SLOTS && ps_has(s, q + 1); q++)
			;
		n = q == p ? snprintf(buf + used, len - used, "%s%u", used ? ", " : "", p)
			   : snprintf(buf + used, len - used, "%s%u-%u", used ? ", " : "", p, q);
		if (n < 0 || used + n + 4 >= len) {
			snprintf(buf + used, len - used, "%s...", used ? ", " : "");
			break;
		}
		used += n;
		p = q + 1;
	}
	return buf;
}

/* ---- what is SIP, what is media, who is the VoIP system ---- */

static __u8 port_class(const struct doc_facts *f, bool udp, __u32 port)
{
	const struct vfw_config *c = f->cfg;

	if (c)
		return udp ? vfw_port_class_in(&c->sip_udp, &c->media_udp, port)
			   : vfw_port_class_in(&c->sip_tcp, &c->media_tcp, port);
	if (f->ports)
		return udp ? f->ports[port].udp : f->ports[port].tcp;
	if (udp && port == 5060)
		return VFW_CLASS_SIP;
	if (!udp && (port == 5060 || port == 5061))
		return VFW_CLASS_SIP;
	if (udp && port >= VFW_DEFAULT_MEDIA_FIRST && port <= VFW_DEFAULT_MEDIA_LAST)
		return VFW_CLASS_MEDIA;
	return VFW_CLASS_NONE;
}

static bool rule_has_port(const struct doc_dnat *d, __u32 p)
{
	unsigned i;

	if (!d->n_match)
		return true;
	for (i = 0; i < d->n_match; i++)
		if (p >= d->match[i].first && p <= d->match[i].last)
			return true;
	return false;
}

/* Whether rule d forwards one of the media ports (UDP). */
static bool rule_forwards_media(const struct doc_facts *f, const struct doc_dnat *d)
{
	__u32 p;

	for (p = 1; d->udp && p < VFW_PORT_SLOTS; p++)
		if (rule_has_port(d, p) && port_class(f, true, p) == VFW_CLASS_MEDIA)
			return true;
	return false;
}

/* Whether rule d forwards one of the SIP ports. */
static bool rule_forwards_sip(const struct doc_facts *f, const struct doc_dnat *d)
{
	__u32 p;

	for (p = 1; p < VFW_PORT_SLOTS; p++)
		if (rule_has_port(d, p) &&
		    ((d->udp && port_class(f, true, p) == VFW_CLASS_SIP) ||
		     (d->tcp && port_class(f, false, p) == VFW_CLASS_SIP)))
			return true;
	return false;
}

/*
 * Per rule of the facts being judged: sends a SIP port, goes to the VoIP
 * system. Worked out once by doc_run() (each takes a walk over the ports).
 */
static _Thread_local bool rule_sip[DOC_MAX_DNAT], rule_voip[DOC_MAX_DNAT],
	rule_media[DOC_MAX_DNAT];

/*
 * The VoIP system: the config's voip_hosts, else every host that a DNAT
 * rule sends a SIP port to.
 */
static bool is_voip_host(const struct doc_facts *f, const __u8 addr[16])
{
	unsigned i;

	if (f->cfg && f->cfg->n_voip_hosts) {
		for (i = 0; i < f->cfg->n_voip_hosts; i++)
			if (vfw_prefix_contains(&f->cfg->voip_hosts[i], addr))
				return true;
		return false;
	}
	for (i = 0; i < f->n_dnat; i++)
		if (f->dnat[i].has_addr && memcmp(f->dnat[i].addr, addr, 16) == 0 &&
		    rule_sip[i])
			return true;
	return false;
}

static bool to_voip(const struct doc_facts *f, const struct doc_dnat *d)
{
	return rule_voip[d - f->dnat];
}

static bool sends_sip(const struct doc_facts *f, const struct doc_dnat *d)
{
	return rule_sip[d - f->dnat];
}

/* "udp dport 5060" / "udp,tcp dport 10000-10010, 10012" of a rule. */
static const char *rule_match_str(const struct doc_dnat *d, char *buf, size_t len)
{
	size_t used;
	unsigned i;

	snprintf(buf, len, "%s%s%s dport ", d->udp ? "udp" : "", d->udp && d->tcp ? "," : "",
		 d->tcp ? "tcp" : "");
	if (!d->n_match)
		snprintf(buf + strlen(buf), len - strlen(buf), "any");
	for (i = 0; i < d->n_match; i++) {
		used = strlen(buf);
		if (d->match[i].first == d->match[i].last)
			snprintf(buf + used, len - used, "%s%u", i ? "," : "", d->match[i].first);
		else
			snprintf(buf + used, len - used, "%s%u-%u", i ? "," : "",
				 d->match[i].first, d->match[i].last);
	}
	return buf;
}

static const char *rule_str(const struct doc_dnat *d, char *buf, size_t len)
{
	char m[96], a[VFW_ADDR_STRLEN], port[16] = "";

	if (d->to_first && d->to_first == d->to_last)
		snprintf(port, sizeof(port), ":%u", d->to_first);
	else if (d->to_first)
		snprintf(port, sizeof(port), ":%u-%u", d->to_first, d->to_last);
	snprintf(buf, len, "%s: %s%s%s%s dnat to %s%s%s%s", d->where,
		 d->iifname[0] ? "iifname " : "", d->iifname, d->iifname[0] ? " " : "",
		 rule_match_str(d, m, sizeof(m)),
		 vfw_addr_is_ipv4(d->addr) || !d->has_addr ? "" : "[",
		 d->has_addr ? addr_str(d->addr, a) : "",
		 vfw_addr_is_ipv4(d->addr) || !d->has_addr ? "" : "]", port);
	return buf;
}

/* ---- the checks ---- */

static void check_sip_alg(const struct doc_facts *f, struct doc_result *r)
{
	unsigned i, sip_objs = 0, sip_rules = 0;

	r->status = DOC_OK;
	for (i = 0; i < f->n_helper_objs; i++) {
		if (strcmp(f->helper_objs[i].type, "sip"))
			continue;
		sip_objs++;
		evidence(r, "nft ct helper %s: type \"sip\"", f->helper_objs[i].where);
	}
	for (i = 0; i < f->n_helper_rules; i++) {
		if (strcmp(f->helper_rules[i].type, "sip"))
			continue;
		sip_rules++;
		evidence(r, "nft %s: ct helper set \"%s\"", f->helper_rules[i].where,
			 f->helper_rules[i].name);
	}
	detail(r, "nf_conntrack_sip %s", f->sip_module ? "loaded" : "not loaded");
	detail(r, "; nft: %u ct helper sip object%s, %u rule%s assigning one",
	       sip_objs, sip_objs == 1 ? "" : "s", sip_rules, sip_rules == 1 ? "" : "s");
	for (i = 0; i < f->n_helper_rules; i++)
		if (!strcmp(f->helper_rules[i].type, "sip")) {
			detail(r, " (%s)", f->helper_rules[i].where);
			break;
		}
	if (sip_rules) {
		raise_to(r, DOC_FAIL);
		fix(r, "delete the rules that set the sip helper (nft delete rule ... handle N): "
		       "the ALG rewrites SIP and opens media itself, voipfw needs neither");
	} else if (sip_objs) {
		raise_to(r, DOC_WARN);
		fix(r, "delete the unused ct helper sip object (nft delete ct helper ...)");
	}
	if (f->n_xt_ct) {
		raise_to(r, DOC_WARN);
		detail(r, "; %u iptables CT target%s", f->n_xt_ct, f->n_xt_ct == 1 ? "" : "s");
		evidence(r, "iptables-nft %s: CT target (its helper is not visible through nftables)",
			 f->xt_ct_where);
		fix(r, "check iptables-save for '-j CT --helper sip' and remove it");
	}
	if (f->helper_sysctl < 0)
		detail(r, "; automatic helper assignment: gone from this kernel");
	else
		detail(r, "; net.netfilter.nf_conntrack_helper=%d", f->helper_sysctl);
	if (f->helper_sysctl > 0 && f->sip_module) {
		raise_to(r, DOC_FAIL);
		evidence(r, "sysctl net.netfilter.nf_conntrack_helper=%d", f->helper_sysctl);
		fix(r, "sysctl -w net.netfilter.nf_conntrack_helper=0 (and in /etc/sysctl.d)");
	}
	if (f->ct_sip_entries >= 0)
		detail(r, "; %d conntrack entr%s with helper sip", f->ct_sip_entries,
		       f->ct_sip_entries == 1 ? "y" : "ies");
	if (f->ct_sip_entries > 0) {
		raise_to(r, DOC_FAIL);
		evidence(r, "conntrack: %d entries with helper sip", f->ct_sip_entries);
		fix(r, "remove what assigns the sip helper, then conntrack -D --helper sip");
	}
	if (!f->nft_ok) {
		raise_to(r, DOC_WARN);
		detail(r, "; nftables not readable: %s", f->nft_err);
		fix(r, "run as root so the ruleset can be read");
	}
}

static void check_wan_address(const struct doc_facts *f, struct doc_result *r)
{
	char a[VFW_ADDR_STRLEN];
	unsigned i, v4 = 0, pub = 0, priv = 0, cgn = 0;

	if (!f->wan_from)
		return skip(r, "no WAN interface known: give --iface IF");
	r->status = DOC_OK;
	detail(r, "%s (%s):", f->wan, f->wan_from);
	for (i = 0; i < f->n_addrs; i++) {
		const struct doc_addr *x = &f->addrs[i];
		enum doc_v4_kind k;

		if (!x->ipv4 || strcmp(x->ifname, f->wan))
			continue;
		k = doc_v4_kind(x->addr);
		v4++;
		detail(r, " %s/%u %s", addr_str(x->addr, a), x->prefixlen,
		       k == DOC_V4_PUBLIC ? "public" : k == DOC_V4_PRIVATE ? "private (RFC 1918)" :
		       k == DOC_V4_CGN ? "carrier-grade NAT (100.64.0.0/10)" : "not routable");
		if (x->dynamic)
			detail(r, ", dynamic (lease %u s left: when it changes, trunks and the "
				  "provider must learn the new address; keep registering)",
			       x->valid_lft);
		else
			detail(r, ", static");
		evidence(r, "%s inet %s/%u%s", x->ifname, a, x->prefixlen,
			 x->dynamic ? " dynamic" : "");
		pub += k == DOC_V4_PUBLIC;
		priv += k == DOC_V4_PRIVATE;
		cgn += k == DOC_V4_CGN;
	}
	if (!v4) {
		r->status = DOC_WARN;
		detail(r, " no IPv4 address");
		fix(r, "check the WAN (--iface) or its DHCP/PPP client");
	} else if (pub) {
		/* a public address next to others is enough */
	} else if (cgn) {
		r->status = DOC_FAIL;
		fix(r, "behind carrier-grade NAT inbound SIP/RTP cannot reach you: ask the ISP "
		       "for a public IPv4 address (or use IPv6)");
	} else if (priv) {
		r->status = DOC_WARN;
		fix(r, "another router is in front (double NAT): forward the same ports there "
		       "or put it in bridge mode");
	} else {
		r->status = DOC_WARN;
		fix(r, "no routable IPv4 address on the WAN");
	}
}

static void check_forward_port(const struct doc_facts *f, struct doc_result *r)
{
	char rs[DOC_EVIDENCE_LEN], a[VFW_ADDR_STRLEN], b[VFW_ADDR_STRLEN];
	const __u8 *sip_host = NULL, *other_host = NULL, *media_host = NULL;
	unsigned i, k, n_voip = 0, changed = 0;

	if (!f->nft_ok)
		return skip(r, f->nft_err);
	r->status = DOC_OK;
	/* SIP to one host, media (to whichever host: not only the VoIP system) to another */
	for (i = 0; i < f->n_dnat; i++) {
		const struct doc_dnat *d = &f->dnat[i];

		if (!d->has_addr || !sends_sip(f, d))
			continue;
		if (!sip_host)
			sip_host = d->addr;
		else if (memcmp(sip_host, d->addr, 16))
			other_host = d->addr;
	}
	for (i = 0; i < f->n_dnat; i++) {
		const struct doc_dnat *d = &f->dnat[i];

		if (d->has_addr && rule_media[i] && !sends_sip(f, d) &&
		    (!media_host || !memcmp(media_host, sip_host ?: d->addr, 16)))
			media_host = d->addr;
	}
	for (i = 0; i < f->n_dnat; i++) {
		const struct doc_dnat *d = &f->dnat[i];

		if (!to_voip(f, d))
			continue;
		n_voip++;
		if (!d->to_first)
			continue;
		/* nf_nat keeps the port when it lies in the range given, else maps it */
		for (k = 0; k < d->n_match || (!d->n_match && k == 0); k++) {
			__u32 first = d->n_match ? d->match[k].first : 1;
			__u32 last = d->n_match ? d->match[k].last : 65535;

			if (first >= d->to_first && last <= d->to_last)
				continue;
			changed++;
			raise_to(r, DOC_WARN);
			evidence(r, "%s", rule_str(d, rs, sizeof(rs)));
			if (first == last)
				detail(r, "%sWAN %s %u -> %s:%u", changed > 1 ? "; " : "",
				       d->udp ? "udp" : "tcp", first, addr_str(d->addr, a),
				       d->to_first);
			else
				detail(r, "%sWAN %s %u-%u -> %s:%u-%u", changed > 1 ? "; " : "",
				       d->udp ? "udp" : "tcp", first, last, addr_str(d->addr, a),
				       d->to_first, d->to_last);
			fix(r, "forward to the same port (dnat to %s without :PORT) and make the "
			       "VoIP system listen there: it advertises its own port in SIP/SDP",
			    a);
			break;
		}
	}
	if (changed)
		detail(r, " (the port changes)");
	if (f->n_dnat_unread) {
		raise_to(r, DOC_WARN);
		detail(r, "%s%u dnat rule%s not understood (a map or named set), first %s",
		       r->detail[0] ? "; " : "", f->n_dnat_unread,
		       f->n_dnat_unread == 1 ? "" : "s", f->dnat_unread_where);
		evidence(r, "%s: dnat not understood", f->dnat_unread_where);
		fix(r, "check that rule by hand: doctor reads anonymous sets and ranges only");
	}
	if (other_host) {
		raise_to(r, DOC_WARN);
		detail(r, "%sSIP forwarded to two hosts, %s and %s", r->detail[0] ? "; " : "",
		       addr_str(sip_host, a), addr_str(other_host, b));
		fix(r, "forward every SIP port to the one host that registers");
	}
	if (sip_host && media_host && memcmp(sip_host, media_host, 16)) {
		raise_to(r, DOC_WARN);
		detail(r, "%sSIP forwarded to %s, media to %s", r->detail[0] ? "; " : "",
		       addr_str(sip_host, a), addr_str(media_host, b));
		fix(r, "forward SIP and RTP to the same VoIP system");
	}
	if (r->status == DOC_OK) {
		if (n_voip)
			detail(r, "%u forward%s to the VoIP system %s keep their ports", n_voip,
			       n_voip == 1 ? "" : "s", sip_host ? addr_str(sip_host, a) :
			       media_host ? addr_str(media_host, a) : "");
		else
			detail(r, "no port forward (DNAT) to a VoIP system");
	}
	detail(r, "; whether it is the host that registers needs the daemon's observations (not yet)");
}

/* Forwarded ports to the VoIP system, per protocol; media: UDP, not SIP. */
static void forwarded(const struct doc_facts *f, struct portset *udp, struct portset *tcp,
		      struct portset *media)
{
	unsigned i;
	__u32 p;

	for (i = 0; i < f->n_dnat; i++) {
		const struct doc_dnat *d = &f->dnat[i];

		if (!to_voip(f, d))
			continue;
		for (p = 1; p < VFW_PORT_SLOTS; p++) {
			if (!rule_has_port(d, p))
				continue;
			if (d->udp && udp)
				ps_add(udp, p);
			if (d->tcp && tcp)
				ps_add(tcp, p);
			if (d->udp && media && port_class(f, true, p) != VFW_CLASS_SIP)
				ps_add(media, p);
		}
	}
}

static void check_rtp_range(const struct doc_facts *f, struct doc_result *r)
{
	static struct portset media, norctp, oddstart, unfwd;   /* 32 KiB: not on the stack */
	char s[160], t[160];
	unsigned n, i, lo = 0, hi = 0;
	__u32 p;

	if (!f->nft_ok)
		return skip(r, f->nft_err);
	memset(&media, 0, sizeof(media));
	memset(&norctp, 0, sizeof(norctp));
	memset(&oddstart, 0, sizeof(oddstart));
	memset(&unfwd, 0, sizeof(unfwd));
	forwarded(f, NULL, NULL, &media);
	n = ps_count(&media);
	if (!n)
		return skip(r, "no UDP media port is forwarded to the VoIP system");
	r->status = DOC_OK;
	detail(r, "forwarded media udp %s (%u port%s)", ps_str(&media, s, sizeof(s)), n,
	       n == 1 ? "" : "s");
	for (p = 0; p < VFW_PORT_SLOTS; p++) {
		if (!ps_has(&media, p))
			continue;
		lo = lo ?: p;
		hi = p;
		if (p % 2 == 0 && !ps_has(&media, p + 1))
			ps_add(&norctp, p + 1);
		if (p % 2 == 1 && !ps_has(&media, p - 1))
			ps_add(&oddstart, p);
	}
	if (ps_count(&norctp)) {
		raise_to(r, DOC_WARN);
		detail(r, "; RTCP (RTP port + 1) not forwarded: %u port%s, %s", ps_count(&norctp),
		       ps_count(&norctp) == 1 ? "" : "s", ps_str(&norctp, t, sizeof(t)));
		evidence(r, "udp RTCP ports not forwarded: %s", t);
		fix(r, "forward whole RTP/RTCP pairs, an even first and an odd last port: "
		       "udp %u-%u", lo & ~1u, hi | 1u);
	}
	if (ps_count(&oddstart)) {
		raise_to(r, DOC_WARN);
		detail(r, "; %u odd port%s without the even RTP port below: %s",
		       ps_count(&oddstart), ps_count(&oddstart) == 1 ? "" : "s",
		       ps_str(&oddstart, t, sizeof(t)));
		evidence(r, "udp odd ports whose RTP port is not forwarded: %s", t);
		fix(r, "RTP uses even ports: start the forwarded range at an even port: udp %u-%u",
		    lo & ~1u, hi | 1u);
	}
	if (f->cfg) {
		for (i = 0; i < f->cfg->media_udp.n; i++)
			for (p = f->cfg->media_udp.r[i].first; p <= f->cfg->media_udp.r[i].last; p++)
				if (!ps_has(&media, p))
					ps_add(&unfwd, p);
		if (ps_count(&unfwd)) {
			raise_to(r, DOC_WARN);
			detail(r, "; %u configured media port%s not forwarded: %s",
			       ps_count(&unfwd), ps_count(&unfwd) == 1 ? "" : "s",
			       ps_str(&unfwd, t, sizeof(t)));
			evidence(r, "config media_udp ports not forwarded: %s", t);
			fix(r, "forward the whole media_udp range of the config (the VoIP "
			       "system's RTP range) to it");
		}
	}
	detail(r, "; against the SDP ports offered: needs the daemon's observations (not yet)");
}

static bool attached_on(const struct doc_facts *f, const char *ifname)
{
	unsigned i;

	for (i = 0; i < f->n_ifaces; i++)
		if (strncmp((const char *)f->ifaces[i].name, ifname, 16) == 0)
			return true;
	return false;
}

static void check_unprotected(const struct doc_facts *f, struct doc_result *r)
{
	static struct portset udp, tcp, bad_udp, bad_tcp;
	char s[160], rs[DOC_EVIDENCE_LEN];
	unsigned i, nu, nt;
	__u32 p;

	if (!f->nft_ok)
		return skip(r, f->nft_err);
	if (!f->ports)
		return skip(r, "voipfw's ports map is not readable (see the voipfw check)");
	memset(&udp, 0, sizeof(udp));
	memset(&tcp, 0, sizeof(tcp));
	memset(&bad_udp, 0, sizeof(bad_udp));
	memset(&bad_tcp, 0, sizeof(bad_tcp));
	forwarded(f, &udp, &tcp, NULL);
	r->status = DOC_OK;
	for (p = 1; p < VFW_PORT_SLOTS; p++) {
		if (ps_has(&udp, p) && f->ports[p].udp == VFW_CLASS_NONE)
			ps_add(&bad_udp, p);
		if (ps_has(&tcp, p) && f->ports[p].tcp == VFW_CLASS_NONE)
			ps_add(&bad_tcp, p);
	}
	nu = ps_count(&bad_udp);
	nt = ps_count(&bad_tcp);
	for (i = 0; i < f->n_dnat; i++) {
		const struct doc_dnat *d = &f->dnat[i];
		bool bad = false;

		if (!to_voip(f, d))
			continue;
		for (p = 1; p < VFW_PORT_SLOTS && !bad; p++)
			bad = (d->udp && ps_has(&bad_udp, p) && rule_has_port(d, p)) ||
			      (d->tcp && ps_has(&bad_tcp, p) && rule_has_port(d, p));
		if (!bad && d->iifname[0] && f->n_ifaces && !attached_on(f, d->iifname)) {
			bad = true;
			raise_to(r, DOC_FAIL);
			detail(r, "forwarded on %s, where voipfw is not attached; ", d->iifname);
			fix(r, "voipfw attach --iface %s", d->iifname);
		}
		if (bad)
			evidence(r, "%s", rule_str(d, rs, sizeof(rs)));
	}
	if (nu || nt) {
		raise_to(r, DOC_FAIL);
		if (nu)
			detail(r, "unprotected forwarded udp %s (%u); ", ps_str(&bad_udp, s, sizeof(s)), nu);
		if (nt)
			detail(r, "unprotected forwarded tcp %s (%u); ", ps_str(&bad_tcp, s, sizeof(s)), nt);
		fix(r, "protect them (voipfw ports set sip|media udp|tcp PORT[-PORT], or the "
		       "config's [ports]) or stop forwarding them");
	}
	detail(r, "%u udp, %u tcp port%s forwarded to the VoIP system, %u unprotected",
	       ps_count(&udp), ps_count(&tcp), ps_count(&udp) + ps_count(&tcp) == 1 ? "" : "s",
	       nu + nt);
}

static void check_nat_timeout(const struct doc_facts *f, struct doc_result *r)
{
	const unsigned reg = DOC_TYPICAL_REG_INTERVAL;

	if (f->udp_timeout < 0 && f->udp_timeout_stream < 0)
		return skip(r, "the nf_conntrack UDP timeout sysctls are not readable");
	r->status = DOC_OK;
	detail(r, "nf_conntrack_udp_timeout=%d s, nf_conntrack_udp_timeout_stream=%d s; "
		  "registration interval unknown (needs the daemon's observations, not yet): "
		  "compared with a typical %u s", f->udp_timeout, f->udp_timeout_stream, reg);
	if (f->udp_timeout_stream >= 0 && (unsigned)f->udp_timeout_stream < reg) {
		r->status = DOC_WARN;
		evidence(r, "sysctl net.netfilter.nf_conntrack_udp_timeout_stream=%d",
			 f->udp_timeout_stream);
		fix(r, "sysctl -w net.netfilter.nf_conntrack_udp_timeout_stream=180 "
		       "(the NAT mapping must outlive the registration refresh)");
	}
	if (f->udp_timeout >= 0 && f->udp_timeout < DOC_MIN_UDP_UNREPLIED) {
		r->status = DOC_WARN;
		evidence(r, "sysctl net.netfilter.nf_conntrack_udp_timeout=%d", f->udp_timeout);
		fix(r, "sysctl -w net.netfilter.nf_conntrack_udp_timeout=30");
	}
}

static void check_voipfw(const struct doc_facts *f, struct doc_result *r)
{
	unsigned i, on_wan = 0;

	if (!f->have_maps) {
		r->status = DOC_FAIL;
		detail(r, "not loaded: %s", f->maps_err);
		fix(r, "voipfw attach --iface %s (or systemctl start voipfw)",
		    f->wan_from ? f->wan : "WAN");
		return;
	}
	r->status = DOC_OK;
	if (!f->n_ifaces) {
		r->status = DOC_FAIL;
		detail(r, "maps in %s but attached to no interface", f->pin_dir);
		fix(r, "voipfw attach --iface %s", f->wan_from ? f->wan : "WAN");
	}
	for (i = 0; i < f->n_ifaces; i++) {
		const struct vfw_iface *x = &f->ifaces[i];
		bool wan = f->wan_from && strncmp((const char *)x->name, f->wan, 16) == 0;

		on_wan += wan;
		detail(r, "%s%.16s %s XDP %s", i ? ", " : "attached to ", (const char *)x->name,
		       x->xdp_mode == VFW_XDP_GENERIC ? "generic" : "native",
		       x->monitor ? "monitor" : "enforcing");
		evidence(r, "ifaces: %.16s ifindex %u %s", (const char *)x->name, x->ifindex,
			 x->monitor ? "monitor" : "enforcing");
		if (x->monitor) {
			raise_to(r, DOC_WARN);
			fix(r, "monitor mode drops nothing: set mode = enforce and restart "
			       "(or attach without --monitor)");
		}
	}
	if (f->n_ifaces && f->wan_from && !on_wan) {
		raise_to(r, DOC_WARN);
		fix(r, "voipfw attach --iface %s: the WAN is not protected", f->wan);
	}
	detail(r, "; daemon SIP feed %s", f->feed_on ? "on" : "off");
	if (!f->feed_on) {
		raise_to(r, DOC_WARN);
		fix(r, "start the daemon (voipfw run, or systemctl start voipfw): without it "
		       "calls get no media pinholes and registrations teach no trunks");
	}
	detail(r, "; sip_lost %llu", (unsigned long long)f->tap_lost);
	if (f->tap_lost) {
		raise_to(r, DOC_WARN);
		evidence(r, "tap_stats sip_lost=%llu", (unsigned long long)f->tap_lost);
		fix(r, "the daemon lost SIP events (ring buffer full): check its CPU load and log");
	}
	detail(r, ";");
	for (i = 0; i < f->n_fill; i++) {
		const struct doc_fill *m = &f->fill[i];

		detail(r, " %s %u/%u", m->name, m->used, m->max);
		if (m->max && (__u64)m->used * 100 >= (__u64)m->max * DOC_FILL_WARN_PCT) {
			raise_to(r, DOC_WARN);
			evidence(r, "map %s %u/%u entries", m->name, m->used, m->max);
			fix(r, "the %s map is nearly full: raise its limit in [limits]", m->name);
		}
	}
}

static bool lan_iface(const struct doc_facts *f, const char *ifname)
{
	return strcmp(ifname, "lo") && (!f->wan_from || strcmp(ifname, f->wan));
}

static void check_ipv6(const struct doc_facts *f, struct doc_result *r)
{
	char a[VFW_ADDR_STRLEN], b[VFW_ADDR_STRLEN];
	const struct doc_addr *wan6 = NULL, *lan6 = NULL;
	unsigned i;

	if (!f->wan_from)
		return skip(r, "no WAN interface known: give --iface IF");
	for (i = 0; i < f->n_addrs; i++) {
		const struct doc_addr *x = &f->addrs[i];

		if (x->ipv4 || !doc_v6_global(x->addr))
			continue;
		if (!wan6 && strcmp(x->ifname, f->wan) == 0)
			wan6 = x;
		else if (!lan6 && lan_iface(f, x->ifname))
			lan6 = x;
	}
	r->status = DOC_OK;
	if (wan6 && lan6) {
		detail(r, "%s %s and %s %s are global IPv6: over IPv6 the VoIP system needs no "
			  "NAT and no port forward (voipfw protects IPv6 alike)", wan6->ifname,
		       addr_str(wan6->addr, a), lan6->ifname, addr_str(lan6->addr, b));
		evidence(r, "%s inet6 %s/%u", wan6->ifname, a, wan6->prefixlen);
		evidence(r, "%s inet6 %s/%u", lan6->ifname, b, lan6->prefixlen);
	} else if (wan6) {
		detail(r, "%s has global IPv6 %s, no LAN interface has: the VoIP system uses "
			  "IPv4 and NAT", wan6->ifname, addr_str(wan6->addr, a));
	} else {
		detail(r, "no global IPv6 on %s: IPv4 only", f->wan);
	}
}

/* The answers to --stun; skip (with why) when there are none. */
static unsigned stun_answers(const struct doc_facts *f, struct doc_result *r)
{
	unsigned i, n = 0;

	for (i = 0; i < f->n_stun; i++) {
		if (f->stun[i].err[0]) {
			evidence(r, "stun %s: %s", f->stun[i].server, f->stun[i].err);
			continue;
		}
		n++;
	}
	return n;
}

static void check_double_nat(const struct doc_facts *f, struct doc_result *r)
{
	char a[VFW_ADDR_STRLEN], m[VFW_ADDR_STRLEN];
	const struct doc_stun *s = NULL;
	unsigned i;

	if (!f->n_stun)
		return skip(r, "needs --stun HOST[:PORT]");
	if (!stun_answers(f, r)) {
		r->status = DOC_WARN;
		detail(r, "no STUN server answered (%s: %s)", f->stun[0].server, f->stun[0].err);
		fix(r, "check the server name and that outgoing UDP to it is allowed");
		return;
	}
	for (i = 0; i < f->n_stun && !s; i++)
		if (!f->stun[i].err[0])
			s = &f->stun[i];
	evidence(r, "stun %s (%s): mapped %s:%u", s->server, addr_str(s->server_addr, a),
		 addr_str(s->mapped, m), s->mapped_port);
	for (i = 0; i < f->n_addrs; i++)
		if (f->wan_from && !strcmp(f->addrs[i].ifname, f->wan) &&
		    !memcmp(f->addrs[i].addr, s->mapped, 16)) {
			r->status = DOC_OK;
			detail(r, "%s sees %s:%u, the address of %s: no NAT in front of this router",
			       s->server, m, s->mapped_port, f->wan);
			return;
		}
	r->status = DOC_WARN;
	detail(r, "%s sees %s:%u, not an address of %s: another NAT is in front (double NAT)",
	       s->server, m, s->mapped_port, f->wan_from ? f->wan : "the WAN");
	fix(r, "forward the SIP and RTP ports on the router in front too, or put it in "
	       "bridge mode; advertise %s", m);
}

static void check_nat_type(const struct doc_facts *f, struct doc_result *r)
{
	char a[VFW_ADDR_STRLEN], b[VFW_ADDR_STRLEN];
	const struct doc_stun *first = NULL, *s;
	unsigned i, n;

	if (!f->n_stun)
		return skip(r, "needs --stun HOST[:PORT] twice (two servers)");
	n = stun_answers(f, r);
	for (i = 0; i < f->n_stun; i++) {
		s = &f->stun[i];
		if (s->err[0])
			continue;
		evidence(r, "stun %s: mapped %s:%u", s->server, addr_str(s->mapped, a),
			 s->mapped_port);
		if (!first) {
			first = s;
			continue;
		}
		if (!memcmp(first->server_addr, s->server_addr, 16))
			n--;   /* the same server twice says nothing about the mapping */
		else if (first->mapped_port != s->mapped_port ||
			 memcmp(first->mapped, s->mapped, 16)) {
			r->status = DOC_WARN;
			detail(r, "symmetric NAT (address-dependent mapping): port %u mapped to "
				  "%s:%u for %s, %s:%u for %s", f->stun_local_port,
			       addr_str(first->mapped, a), first->mapped_port, first->server,
			       addr_str(s->mapped, b), s->mapped_port, s->server);
			fix(r, "inbound media then only works through port forwards or the "
			       "provider's symmetric RTP: keep the forwards, drop 'random' "
			       "from the masquerade");
			return;
		}
	}
	if (n < 2)
		return skip(r, n ? "needs two STUN servers (different addresses) answering, one did"
				 : "no STUN server answered");
	r->status = DOC_OK;
	detail(r, "endpoint-independent mapping (cone NAT): port %u mapped to %s:%u for "
		  "every server", f->stun_local_port, addr_str(first->mapped, a),
	       first->mapped_port);
}

void doc_run(const struct doc_facts *f, struct doc_result out[DOC_CHECK_COUNT])
{
	int c;

	unsigned i;

	memset(out, 0, sizeof(*out) * DOC_CHECK_COUNT);
	for (i = 0; i < f->n_dnat && i < DOC_MAX_DNAT; i++) {
		rule_sip[i] = rule_forwards_sip(f, &f->dnat[i]);
		rule_media[i] = rule_forwards_media(f, &f->dnat[i]);
	}
	for (i = 0; i < f->n_dnat && i < DOC_MAX_DNAT; i++)
		rule_voip[i] = f->dnat[i].has_addr && is_voip_host(f, f->dnat[i].addr);
	for (c = 0; c < DOC_CHECK_COUNT; c++)
		out[c].check = c;
	check_sip_alg(f, &out[DOC_SIP_ALG]);
	check_wan_address(f, &out[DOC_WAN_ADDRESS]);
	check_forward_port(f, &out[DOC_FORWARD_PORT]);
	check_rtp_range(f, &out[DOC_RTP_RANGE]);
	check_unprotected(f, &out[DOC_UNPROTECTED_FORWARD]);
	check_nat_timeout(f, &out[DOC_NAT_TIMEOUT]);
	check_voipfw(f, &out[DOC_VOIPFW]);
	check_ipv6(f, &out[DOC_IPV6]);
	check_double_nat(f, &out[DOC_DOUBLE_NAT]);
	check_nat_type(f, &out[DOC_NAT_TYPE]);
	skip(&out[DOC_ADVERTISED_ADDRESS], "needs the daemon's observations (not yet)");
	skip(&out[DOC_UPSTREAM_ALG], "needs the daemon's observations (not yet)");
	skip(&out[DOC_TRUNK], "needs the daemon's observations (not yet)");
	skip(&out[DOC_DAEMON_STATE], "needs the daemon's observations (not yet)");
}
