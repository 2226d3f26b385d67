/* fuzz_tcp.c -- libFuzzer harness: a TCP byte stream cut into 2-byte
 * length-prefixed frames as the server does (several per input, a partial
 * last frame waits forever), each answered and checked. */
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[QUERY_MAX_BUF];
	const struct snapshot *s = fz_snapshot();
	size_t pos = 0;

	while (size - pos >= 2) {
		size_t mlen = (size_t)data[pos] << 8 | data[pos + 1];
		if (size - pos - 2 < mlen)
			break;                 /* incomplete frame: not answered */
		const uint8_t *m = data + pos + 2;
		/* the server hands query_process a copy; so does the harness,
		 * so ASan sees reads past the frame end */
		uint8_t *copy = malloc(mlen ? mlen : 1);
		FZ_CHECK(copy != NULL);
		memcpy(copy, m, mlen);
		size_t n = query_process(s, copy, mlen, QUERY_TCP, NULL, out,
		    sizeof(out), NULL);
		fz_check_reply(copy, mlen, out, n, QUERY_MAX_BUF);
		free(copy);
		pos += 2 + mlen;
	}
	return 0;
}
