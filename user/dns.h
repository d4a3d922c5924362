/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Trunks configured by DNS name ([trunks] dns = NAME [admit]), kept in the
 * pinned trunks map and re-resolved when their TTL runs out.
 *
 * The resolver is our own: UDP queries (A and AAAA, EDNS0) to the
 * nameservers of resolv.conf (at most 3, in order; 127.0.0.1 if none),
 * re-read before every round so that DHCP changes are followed. Each query
 * uses a fresh socket bound to a random source port, a random ID, is
 * connected to the server, and its answer must match ID, question and
 * source; 2 s timeout, 2 rounds over the servers. Answers are parsed by
 * user/lib/dnsmsg.c (bounded, CNAMEs followed).
 *
 * Map entries: every address becomes a host key (/32 as ::ffff:a.b.c.d/128,
 * or /128) with { origin VFW_ORIGIN_DNS, admit from the config (the union
 * when several names share an address), expires_ns = now + ttl + grace },
 * ttl being the record's TTL clamped to [dns_min_ttl, dns_max_ttl]. The
 * name is resolved again when that clamped TTL has passed.
 *
 *  - An address gone from a successful answer is deleted from the map.
 *  - A failed lookup (timeout, SERVFAIL, garbage, truncated answer) keeps
 *    the previous addresses until their own expiry and logs a warning;
 *    so does an answer with no address at all (NXDOMAIN, NODATA for both
 *    families): an emptied zone never opens a window, it just lets the
 *    entries run out. Retries back off from dns_min_ttl up to 5 minutes.
 *    A and AAAA count separately: a timed-out AAAA keeps the old IPv6
 *    addresses while the A answer replaces the IPv4 ones.
 *  - Map writes and deletes go through user/maps.h, whose precedence
 *    (operator > DNS > learned) is checked against the entry as it is at
 *    that moment. Only entries with origin DNS are ever deleted. An equal
 *    key of the operator's (STATIC, CONFIG) is left alone and the address
 *    is not inserted; a learned one (our system registers with that
 *    address) is replaced, and the registration's end or failure leaves
 *    the DNS entry alone (issue 11).
 *  - DNS entries already in the map at start (a previous run) are kept
 *    until every configured name has been answered once, then deleted
 *    unless an answer still lists them; they are never extended.
 *
 * Logging: one pr_info line per change ("trunk dns sip.example.net ->
 * 203.0.113.7 (ttl 300s)", "... -/-> 203.0.113.7 (...)"), pr_warn for failed
 * lookups, pr_debug for refreshes and map operations.
 *
 * Threading: vfw_dns_start resolves every name before it returns (bounded:
 * at most 2 attempts x 3 servers x 2 s, all names in parallel), then starts
 * one thread that owns all further map writes of origin DNS. The other
 * functions may be called from any one thread (not from a signal handler).
 */
#ifndef VOIPFW_DNS_H
#define VOIPFW_DNS_H

#include "config.h"

struct vfw_dns;

/*
 * trunks_fd: the pinned trunks map (not closed by us; keep it open until
 * vfw_dns_stop returned). resolv_conf: NULL means /etc/resolv.conf.
 * Only cfg's dns[], n_dns, dns_min_ttl, dns_max_ttl and registration_grace
 * are used; cfg is copied. Returns NULL (with errno set and an error
 * logged) if the thread cannot be started; failed lookups are not errors.
 */
struct vfw_dns *vfw_dns_start(const struct vfw_config *cfg, int trunks_fd,
			      const char *resolv_conf);

/*
 * New configuration (SIGHUP): added names are resolved at once, removed
 * names' entries deleted, admit and TTL bounds take effect; unchanged
 * names keep their addresses and schedule. Asynchronous: the thread
 * applies it within moments (an ongoing round finishes first).
 */
void vfw_dns_reload(struct vfw_dns *d, const struct vfw_config *cfg);

/*
 * Stops and joins the thread (interrupting a round in progress) and frees
 * d. The map entries stay: they carry their own expiry. NULL is a no-op.
 */
void vfw_dns_stop(struct vfw_dns *d);

#endif /* VOIPFW_DNS_H */
