/* version.h -- one place for the release number. */
#ifndef DNSXL_VERSION_H
#define DNSXL_VERSION_H
#define DNSXL_VERSION "0.1.0"
#endif
