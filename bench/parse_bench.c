// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Instructions per SIP message: voipfw's sip_parse (+ sdp_parse on the SDP
 * body) against libosip2's osip_message_parse (+ sdp_message_parse), on the
 * corpus of bench/corpus.h. Run under
 *
 *   valgrind --tool=callgrind --instr-atstart=no parse_bench ITER
 *
 * Every message is parsed once by both before instrumentation starts (lazy
 * binding, first-touch allocations). Then each message is parsed ITER
 * times by one parser and the counts are dumped with a name saying which
 * ("voipfw:INVITE", "osip:INVITE"). Instrumentation stays on from then on:
 * toggling it per call makes valgrind throw away its translations each
 * time. The per-function inclusive counts of each dump (callgrind_annotate
 * --inclusive=yes) isolate the parse calls: sip_parse + sdp_parse against
 * osip_message_parse (+ sdp_message_parse, + osip_message_init/free).
 *
 * The two parsers live in parse_voipfw.c and parse_osip.c: their headers
 * clash (both define struct sdp_media, ...). Without valgrind the macros
 * do nothing and the program only checks that both accept the corpus.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/callgrind.h>

#include "corpus.h"
#include "parse_bench.h"

int main(int argc, char **argv)
{
	static char buf[CORPUS_N][4096];
	size_t len[CORPUS_N];
	int iter = argc > 1 ? atoi(argv[1]) : 100;
	char name[64];
	size_t i;
	int k, bad = 0;

	osip_setup();
	for (i = 0; i < CORPUS_N; i++) {
		len[i] = corpus_build(&corpus[i], buf[i], sizeof(buf[i]));
		if (!len[i] || voipfw_parse(buf[i], len[i]) ||
		    osip_parse(buf[i], len[i])) {
			fprintf(stderr, "parse_bench: %s not accepted\n", corpus[i].name);
			bad = 1;
		}
		printf("msg\t%s\t%zu\n", corpus[i].name, len[i]);
	}
	CALLGRIND_START_INSTRUMENTATION;
	for (i = 0; i < CORPUS_N; i++) {
		CALLGRIND_ZERO_STATS;
		for (k = 0; k < iter; k++)
			voipfw_parse(buf[i], len[i]);
		snprintf(name, sizeof(name), "voipfw:%s", corpus[i].name);
		CALLGRIND_DUMP_STATS_AT(name);

		CALLGRIND_ZERO_STATS;
		for (k = 0; k < iter; k++)
			osip_parse(buf[i], len[i]);
		snprintf(name, sizeof(name), "osip:%s", corpus[i].name);
		CALLGRIND_DUMP_STATS_AT(name);
	}
	CALLGRIND_STOP_INSTRUMENTATION;
	printf("iter\t%d\n", iter);
	return bad;
}
