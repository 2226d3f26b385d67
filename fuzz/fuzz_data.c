/* fuzz_data.c -- libFuzzer harness: the data-file parser of every dataset
 * type (rbldnsd formats and the JSON vendor feeds). Byte 0 picks the type,
 * byte 1 the load options, the rest is the file; a loaded dataset is then
 * queried (and, for acl, looked up). */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "acl.h"
#include "dataset.h"
#include "fuzz_common.h"

static const char *const types[] = {
	"ip4set", "ip4tset", "ip4trie", "ip6trie", "ip6tset",
	"dnset", "generic", "combined", "acl",
	"azure-servicetags", "m365-endpoints",   /* JSON feeds, feed.h defaults */
};

/* Names below the zone apex that hit something in the corpus files. */
static const char *const names[] = {
	"", "2.0.0.127", "5.242.78.40", "1.1.1.10", "0.0.0.0", "255.255.255.255",
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2",
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.f.f.f.f.0.0.0.0",
	"spam.example.com", "a.wild.example.net", "www", "sub.www",
	"5.242.78.40.proxies", "proxies",
};

static void
query_name(const struct dataset *ds, const char *name)
{
	char buf[256];
	const uint8_t *labels[DX_MAXLABELS];
	uint8_t lens[DX_MAXLABELS];
	unsigned n = 0;
	struct dx_qname q;
	struct dx_hits hits = { 0 };
	char txt[1024];

	snprintf(buf, sizeof(buf), "%s", name);
	for (char *p = buf; *p && n < DX_MAXLABELS;) {
		char *dot = strchr(p, '.');
		labels[n] = (const uint8_t *)p;
		lens[n++] = (uint8_t)(dot ? (size_t)(dot - p) : strlen(p));
		if (!dot)
			break;
		p = dot + 1;
	}
	FZ_CHECK(qname_parse(&q, n, labels, lens) == 0);
	dataset_query(ds, &q, &hits);
	dataset_exists_below(ds, &q);
	FZ_CHECK(hits.n <= DX_MAXHITS);
	for (unsigned i = 0; i < hits.n; i++) {
		int l = dataset_txt_expand(&hits.hit[i], &q, txt, sizeof(txt));
		FZ_CHECK(l < (int)sizeof(txt));
		FZ_CHECK(l < 0 || strlen(txt) == (size_t)l);
	}
}

static void
acl_peers(const struct dataset *ds)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	const struct dx_value *val;
	a4.sin_addr.s_addr = htonl(0x0a010203);
	acl_lookup(ds, (struct sockaddr *)&a4, sizeof(a4), &val);
	inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr);
	acl_lookup(ds, (struct sockaddr *)&a6, sizeof(a6), &val);
	struct acl_verdict v;
	char txt[1024];
	acl_check(ds, NULL, (struct sockaddr *)&a4, sizeof(a4), &v);
	acl_txt_expand(&v, (struct sockaddr *)&a4, sizeof(a4), txt,
	    sizeof(txt));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	fz_quiet();
	const char *type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	struct ds_loadopts o = {
		.allow_host_bits = data[1] & 1,
		.ttl_default = 2100,
		.ttl_max = (data[1] & 2) ? 3600 : 0,
	};
	char path[64];
	int fd = fz_memfile(data + 2, size - 2, path, sizeof(path));
	const char *files[1] = { path };
	struct ds_labels lb = { .name = "fuzz" };
	struct dataset *ds = NULL;
	struct diag d;
	diag_init(&d);
	FZ_CHECK(dataset_new(ds_type_find(type), files, 1, &lb, &ds) == 0);
	if (dataset_load(ds, &o, &d) == 0) {
		if (!strcmp(type, "acl"))
			acl_peers(ds);
		else
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]);
			    i++)
				query_name(ds, names[i]);
		dataset_entries(ds);
	}
	dataset_free(ds);
	close(fd);
	return 0;
}
