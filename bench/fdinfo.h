/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Shared by the benchmarks: kernel memory charged to a BPF map fd. */
#ifndef VOIPFW_BENCH_FDINFO_H
#define VOIPFW_BENCH_FDINFO_H

#include <stdio.h>

/* The "memlock:" line of /proc/self/fdinfo/FD, in bytes; 0 if unknown. */
static inline unsigned long long fd_memlock(int fd)
{
	unsigned long long v = 0;
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

#endif
