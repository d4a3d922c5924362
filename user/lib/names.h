/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Names of the enums in voipfw.h, as printed and as accepted. Pure. */
#ifndef VOIPFW_NAMES_H
#define VOIPFW_NAMES_H

#include <linux/types.h>

const char *vfw_reason_name(__u32 reason);
const char *vfw_class_name(__u8 class);
/* "sip"/"media" to enum vfw_port_class; -EINVAL otherwise. */
int vfw_parse_class(const char *s, __u8 *class);
const char *vfw_origin_name(__u32 origin);
/* "sip", "media", "all" to VFW_ADMIT_*; -EINVAL otherwise. */
int vfw_parse_admit(const char *s, __u32 *admit);
const char *vfw_admit_name(__u32 admit);

#endif /* VOIPFW_NAMES_H */
