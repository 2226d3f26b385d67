/* fuzz_udp.c -- libFuzzer harness: one UDP datagram through query_process()
 * against the built-in snapshot; the reply must be well-formed. */
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[4096];      /* the server's UDP write buffer */
	const struct snapshot *s = fz_snapshot();

	if (size > 4096)               /* the server reads at most this */
		return 0;
	query_prefetch(s, data, size);  /* the batch's hint, server_udp.c */
	struct query_info info;
	size_t n = query_process(s, data, size, QUERY_UDP, NULL, out,
	    sizeof(out), &info);
	/* UDP: never above the default edns-max (1232) */
	fz_check_reply(data, size, out, n, 1232);
	FZ_CHECK(n == 0 || info.rcode >= 0);
	return 0;
}
