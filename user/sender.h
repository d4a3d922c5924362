/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Who sent a SIP packet that left the WAN: the daemon follows only the
 * VoIP system's own signalling (config voip_hosts), and after masquerade
 * every LAN host's packet carries the router's address. Conntrack keeps the
 * connection's original direction, so it is asked for the sender before
 * NAT. A packet that NAT rewrote always has an entry (NAT works through
 * it), so no entry means the packet's source is its sender.
 */
#ifndef VOIPFW_SENDER_H
#define VOIPFW_SENDER_H

#include <stdbool.h>
#include <linux/types.h>

#include "config.h"
#include "pkt.h"

struct vfw_sender;

/* NULL with errno set when conntrack's netlink socket cannot be opened. */
struct vfw_sender *vfw_sender_new(const struct vfw_config *cfg);
void vfw_sender_free(struct vfw_sender *s);

/* A reload's voip_hosts. */
void vfw_sender_configure(struct vfw_sender *s, const struct vfw_config *cfg);

/*
 * Whether an outgoing datagram is the VoIP system's: its sender before NAT
 * is in voip_hosts, or one of this host's own addresses when voip_local.
 * When conntrack cannot be asked, the answer is no (logged; the pipeline
 * counts every refusal as not_ours).
 */
bool vfw_sender_is_voip_host(void *sender, const struct vfw_datagram *d);

#endif /* VOIPFW_SENDER_H */
