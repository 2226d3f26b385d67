/* chaos.c -- CHAOS class TXT names: version.bind, version.server, id.server,
 * hostname.bind, as configured (-v, server.version, server.identity). */
#include "query.h"

#include <string.h>

#include "config.h"
#include "version.h"

int
chaos_text(const uint8_t *lname, size_t len, const struct config *cfg,
    const char **text)
{
	static const uint8_t vbind[] = "\7version\4bind";
	static const uint8_t vserver[] = "\7version\6server";
	static const uint8_t idserver[] = "\2id\6server";
	static const uint8_t hbind[] = "\10hostname\4bind";

	*text = NULL;
#define IS(n) (len == sizeof(n) && memcmp(lname, n, sizeof(n)) == 0)
	if (IS(vbind) || IS(vserver)) {
		int level = cfg ? cfg->version_level : 0;
		if (level >= 2)
			return 5;
		if (level == 0 && cfg && cfg->version_text)
			*text = cfg->version_text;
		else if (level == 0)
			*text = "dnsxld " DNSXL_VERSION;
		else
			*text = "dnsxld";
		return 0;
	}
	if (IS(idserver) || IS(hbind)) {
		if (!cfg || !cfg->identity)
			return 5;
		*text = cfg->identity;
		return 0;
	}
#undef IS
	return 5;
}
