/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Gathers `voipfw doctor`'s router facts (user/lib/doctor.h): addresses and
 * the default route from rtnetlink, the ruleset from libnftables as JSON,
 * sysctls, conntrack entries, voipfw's pinned maps. Only reads: nothing
 * here changes the ruleset, a sysctl or a map.
 */
#ifndef VOIPFW_DOCTOR_FACTS_H
#define VOIPFW_DOCTOR_FACTS_H

#include "doctor.h"

/*
 * Fills *f (zeroed here). iface: --iface or NULL; cfg: --config's or NULL;
 * stun: the --stun servers (HOST[:PORT]), each sent one STUN Binding
 * request (retried, about 1.5 s at most per server) from one UDP socket,
 * the only packets doctor sends. A fact that cannot be read is marked
 * unknown in f, never an error. Returns 0 or -ENOMEM. Free with
 * doc_facts_free().
 */
int doc_facts_gather(struct doc_facts *f, const char *iface, const char *pin_dir,
		     const struct vfw_config *cfg, const char *const *stun,
		     unsigned n_stun);
void doc_facts_free(struct doc_facts *f);

#endif /* VOIPFW_DOCTOR_FACTS_H */
