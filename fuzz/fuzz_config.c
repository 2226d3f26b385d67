/* fuzz_config.c -- libFuzzer harness: the YAML config parser on one file
 * (config_load_file), then the same file through --config. */
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct diag d;
	struct config *c = NULL;

	fz_quiet();
	int fd = fz_memfile(data, size, path, sizeof(path));
	diag_init(&d);
	if (config_load_file(path, &d, &c) == 0) {
		FZ_CHECK(c != NULL);
		for (unsigned i = 0; i < c->nzones; i++)
			for (unsigned j = 0; j < c->zones[i].ndatasets; j++)
				FZ_CHECK(c->zones[i].datasets[j] <
				    c->ndatasets);
		config_free(c);
	} else {
		FZ_CHECK(d.errors > 0 || c == NULL);
	}
	close(fd);
	return 0;
}
