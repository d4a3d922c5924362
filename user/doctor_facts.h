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
 * Fills *f (zeroed here). iface: --iface or NULL; cfg: --config's or NULL.
 * A fact that cannot be read is marked unknown in f, never an error.
 * Returns 0 or -ENOMEM. Free with doc_facts_free().
 */
int doc_facts_gather(struct doc_facts *f, const char *iface, const char *pin_dir,
		     const struct vfw_config *cfg);
void doc_facts_free(struct doc_facts *f);

#endif /* VOIPFW_DOCTOR_FACTS_H */
