/* wire_testutil.h -- text name to DNS wire form for the unit tests.
 * Header-only. */
#ifndef WIRE_TESTUTIL_H
#define WIRE_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* "1.2.3.4.bl.example.org" -> wire, case kept, with the root label;
 * "" -> the root. Returns the length written to out. */
static __attribute__((unused)) size_t
tu_wire_name(const char *name, uint8_t *out)
{
	size_t o = 0;
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		out[o++] = (uint8_t)l;
		memcpy(out + o, name, l);
		o += l;
		name += l + (dot ? 1 : 0);
	}
	out[o++] = 0;
	return o;
}

#endif
