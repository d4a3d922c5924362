// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "names.h"

#include <errno.h>
#include <string.h>

#include "voipfw.h"

static const char *const reason_names[VFW_REASON_MAX] = {
	[VFW_PASS_UNPROTECTED] = "pass-unprotected",
	[VFW_PASS_NOT_IP] = "pass-not-ip",
	[VFW_PASS_TRUNK] = "pass-trunk",
	[VFW_PASS_PINHOLE] = "pass-pinhole",
	[VFW_PASS_ANNOUNCED] = "pass-announced",
	[VFW_PASS_FRAGMENT] = "pass-fragment",
	[VFW_PASS_FRAGMENT_TRUNK] = "pass-fragment-trunk",
	[VFW_DROP_NO_TRUST] = "drop-no-trust",
	[VFW_DROP_PINHOLE_EXPIRED] = "drop-pinhole-expired",
	[VFW_DROP_TRUNK_EXPIRED] = "drop-trunk-expired",
	[VFW_DROP_FRAGMENT] = "drop-fragment",
	[VFW_DROP_FRAGMENT_UNMATCHED] = "drop-fragment-unmatched",
	[VFW_DROP_MALFORMED] = "drop-malformed",
	[VFW_DROP_UNPARSEABLE] = "drop-unparseable",
};

const char *vfw_reason_name(__u32 reason)
{
	if (reason >= VFW_REASON_MAX || !reason_names[reason])
		return "unknown";
	return reason_names[reason];
}

const char *vfw_class_name(__u8 class)
{
	switch (class) {
	case VFW_CLASS_NONE:
		return "none";
	case VFW_CLASS_SIP:
		return "sip";
	case VFW_CLASS_MEDIA:
		return "media";
	default:
		return "unknown";
	}
}

int vfw_parse_class(const char *s, __u8 *class)
{
	if (s && strcmp(s, "sip") == 0)
		*class = VFW_CLASS_SIP;
	else if (s && strcmp(s, "media") == 0)
		*class = VFW_CLASS_MEDIA;
	else
		return -EINVAL;
	return 0;
}

const char *vfw_origin_name(__u32 origin)
{
	switch (origin) {
	case VFW_ORIGIN_STATIC:
		return "static";
	case VFW_ORIGIN_LEARNED:
		return "learned";
	case VFW_ORIGIN_DNS:
		return "dns";
	case VFW_ORIGIN_CALL:
		return "call";
	case VFW_ORIGIN_REPLY:
		return "reply";
	case VFW_ORIGIN_EGRESS:
		return "egress";
	case VFW_ORIGIN_CONFIG:
		return "config";
	case VFW_ORIGIN_ANNOUNCED:
		return "announced";
	default:
		return "unknown";
	}
}

int vfw_parse_admit(const char *s, __u32 *admit)
{
	if (s && strcmp(s, "sip") == 0)
		*admit = VFW_ADMIT_SIP;
	else if (s && strcmp(s, "media") == 0)
		*admit = VFW_ADMIT_MEDIA;
	else if (s && strcmp(s, "all") == 0)
		*admit = VFW_ADMIT_ALL;
	else
		return -EINVAL;
	return 0;
}

const char *vfw_admit_name(__u32 admit)
{
	switch (admit & VFW_ADMIT_ALL) {
	case VFW_ADMIT_SIP:
		return "sip";
	case VFW_ADMIT_MEDIA:
		return "media";
	case VFW_ADMIT_ALL:
		return "all";
	default:
		return "none";
	}
}
