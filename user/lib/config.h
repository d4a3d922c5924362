/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's configuration file (/etc/voipfw/voipfw.conf): INI text in,
 * a fixed-size struct out. Pure: the daemon reads the file and hands the
 * text over, so the parser can be unit-tested and fuzzed without files.
 *
 * Usage:
 *	struct vfw_config c;
 *	char err[256];
 *	vfw_config_defaults(&c);
 *	if (vfw_config_parse(&c, text, err, sizeof(err)))
 *		-> print err ("LINE: [section] key = 'value': why"), keep the old config
 *	(command-line options are then applied on top of c by the daemon)
 *
 * Values set in the text replace what c held, so defaults -> file -> CLI
 * layer naturally. A repeatable key (interface, static, dns) replaces the
 * list on its first occurrence in the text and appends on later ones.
 *
 * Syntax: "[section]" lines and "key = value" lines. Comments: lines whose
 * first non-blank character is ';' or '#' (any length), and ';' or '#'
 * preceded by a blank, to the end of the line. Leading and trailing blanks
 * and a CR before the LF are ignored. A content line may be at most
 * VFW_CONFIG_LINE_MAX characters; longer ones are an error, never split.
 * A section may appear more than once; a non-repeatable key may not.
 */
#ifndef VOIPFW_CONFIG_H
#define VOIPFW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "addr.h"
#include "tracker.h"
#include "voipfw.h"

#define VFW_CONFIG_MAX_IFACES   8
#define VFW_CONFIG_IFNAMSIZ     16   /* IFNAMSIZ: 15 characters + NUL */
#define VFW_CONFIG_PATH_MAX     256  /* pin_dir, including the NUL */
#define VFW_CONFIG_MAX_RANGES   16   /* port ranges per [ports] key */
#define VFW_CONFIG_MAX_STATIC   64   /* [trunks] static = lines */
#define VFW_CONFIG_MAX_VOIP_HOSTS 16 /* [general] voip_hosts = lines */
#define VFW_CONFIG_MAX_DNS      64   /* [trunks] dns = lines */
#define VFW_CONFIG_HOST_MAX     253  /* hostname length, excluding a final dot */
/* Longest content line (comments may be longer). */
#define VFW_CONFIG_LINE_MAX     196

/* Same numeric values as enum vfw_log_level in user/log.h. */
enum vfw_config_log_level {
	VFW_CONFIG_LOG_ERROR = 0,
	VFW_CONFIG_LOG_WARN = 1,
	VFW_CONFIG_LOG_INFO = 2,
	VFW_CONFIG_LOG_DEBUG = 3,
};

struct vfw_port_range {
	__u16 first;
	__u16 last;         /* first <= last */
};

/* A [ports] value; n == 0 means "none". Ranges never overlap each other. */
struct vfw_port_list;

/* enum vfw_port_class of port, given the SIP and media lists of one protocol. */
__u8 vfw_port_class_in(const struct vfw_port_list *sip,
		       const struct vfw_port_list *media, __u32 port);

struct vfw_port_list {
	__u32 n;
	struct vfw_port_range r[VFW_CONFIG_MAX_RANGES];
};

struct vfw_config_static {
	struct vfw_prefix prefix;   /* host bits are zero (checked) */
	__u32 admit;                /* VFW_ADMIT_* */
};

struct vfw_config_dns {
	char host[VFW_CONFIG_HOST_MAX + 2];  /* validated hostname, NUL-terminated */
	__u32 admit;                         /* VFW_ADMIT_* */
};

/* Bounds of the numeric keys (seconds unless said otherwise). */
#define VFW_CONFIG_REPLY_TTL_MIN        1
#define VFW_CONFIG_REPLY_TTL_MAX        300
#define VFW_CONFIG_ANNOUNCED_MIN        1
#define VFW_CONFIG_ANNOUNCED_MAX        60
#define VFW_CONFIG_EGRESS_IDLE_MIN      10
#define VFW_CONFIG_EGRESS_IDLE_MAX      3600
#define VFW_CONFIG_DNS_TTL_MIN          5
#define VFW_CONFIG_DNS_TTL_MAX          86400
#define VFW_CONFIG_REG_GRACE_MAX        3600       /* min 0 */
#define VFW_CONFIG_REG_TRUST_MIN        60
#define VFW_CONFIG_REG_TRUST_MAX        86400
#define VFW_CONFIG_PINHOLE_IDLE_MIN     10         /* or 0 = off */
#define VFW_CONFIG_PINHOLE_IDLE_MAX     3600
#define VFW_CONFIG_CALL_MAX_MIN         60
#define VFW_CONFIG_CALL_MAX_MAX         604800     /* a week */
#define VFW_CONFIG_SETUP_TIMEOUT_MIN    30
#define VFW_CONFIG_SETUP_TIMEOUT_MAX    3600
#define VFW_CONFIG_MAX_CALLS_MAX        65536      /* min 1 */
#define VFW_CONFIG_MAX_PINHOLES_MIN     64
#define VFW_CONFIG_MAX_PINHOLES_MAX     1048576
#define VFW_CONFIG_MAX_TRUNKS_MIN       16
#define VFW_CONFIG_MAX_TRUNKS_MAX       65536
#define VFW_CONFIG_DROP_SUMMARY_MIN     10         /* or 0 = off */
#define VFW_CONFIG_DROP_SUMMARY_MAX     86400

struct vfw_config {
	/* [general] */
	__u32 n_ifaces;                      /* 0: none configured (CLI must give one) */
	char ifaces[VFW_CONFIG_MAX_IFACES][VFW_CONFIG_IFNAMSIZ];
	char pin_dir[VFW_CONFIG_PATH_MAX];   /* absolute, no "." or ".." parts */
	bool monitor;                        /* mode = monitor */
	__u32 xdp_mode;                      /* enum vfw_xdp_mode */
	/*
	 * Whose outgoing SIP the daemon follows (the VoIP system's): the
	 * sender before NAT must be in one of these prefixes, or be one of
	 * this host's own addresses when voip_local (the default, and the
	 * only source when no voip_hosts line is given).
	 */
	__u32 n_voip_hosts;
	struct vfw_prefix voip_hosts[VFW_CONFIG_MAX_VOIP_HOSTS];
	bool voip_local;

	/* [ports] */
	struct vfw_port_list sip_udp, sip_tcp, media_udp, media_tcp;

	/* [trunks] */
	__u32 n_static;
	struct vfw_config_static statics[VFW_CONFIG_MAX_STATIC];
	__u32 n_dns;
	struct vfw_config_dns dns[VFW_CONFIG_MAX_DNS];
	__u32 dns_min_ttl;                   /* clamp of resolved TTLs; min <= max */
	__u32 dns_max_ttl;

	/* [learning] */
	bool registrations;          /* learn trunks from REGISTER 2xx */
	bool reply_pinholes;         /* pinhole for replies to our own requests */
	__u32 reply_ttl;
	bool egress_media;           /* open pinholes from media we send */
	__u32 egress_media_idle;
	bool provisional_pinholes;   /* see tracker.h, "the setup race" */
	__u32 announced_media;       /* seconds; 0 = off (voipfw.h, vfw_runtime) */

	/* [timeouts] */
	__u32 registration_grace;
	__u32 max_registration_trust;
	__u32 pinhole_idle;          /* 0 = no idle timeout */
	__u32 call_max;
	__u32 setup_timeout;

	/* [limits] */
	__u32 max_calls;
	__u32 max_unanswered_per_source; /* 0 = max_calls / 4 (tracker.h) */
	__u32 max_pinholes;
	__u32 max_trunks;

	/* [log] */
	__u32 log_level;             /* enum vfw_config_log_level */
	__u32 drop_summary_interval; /* 0 = off */
};

/* Fills every field with its documented default. Returns 0. */
int vfw_config_defaults(struct vfw_config *c);

/*
 * Parses INI text into c, on top of what c holds (normally the defaults).
 * Returns 0, or -EINVAL with "LINE: [section] key = 'value': why" in err
 * (truncated to errlen; non-printable bytes of the value escaped), or
 * -ENOMEM. On error *c is left unchanged. err may be NULL if errlen is 0.
 */
int vfw_config_parse(struct vfw_config *c, const char *text, char *err,
		     size_t errlen);

/*
 * The tracker's part of the config: timeouts in ns, limits, provisional
 * pinholes. Fields with no config key keep vfw_tracker_config_defaults().
 */
void vfw_config_tracker(const struct vfw_config *c,
			struct vfw_tracker_config *t);

/* "error", "warn", "info", "debug" (or "?"). */
const char *vfw_config_log_level_name(__u32 level);

#endif /* VOIPFW_CONFIG_H */
