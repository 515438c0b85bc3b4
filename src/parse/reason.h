/* pftally — reason normalisation: a stable key for a deferral, bounce or reject reason.
 *
 * Reasons differ in every line (addresses, IPs, host names, numbers, queue IDs); the key
 * replaces those with placeholders so that one cause, seen a million times, is one row of a
 * "top reasons" table. The key is a pure function of the text (no state, no allocation). */
#ifndef PFT_PARSE_REASON_H
#define PFT_PARSE_REASON_H

#include <stddef.h>

/*! pft_reason_key() : writes the normalised key of reason text[0..len) into out (at most cap
 *  bytes, not NUL-terminated) and returns its length. Placeholders: <addr> (mail address),
 *  <ip> (IPv4/IPv6, with or without brackets), <host> (DNS host name), <n> (numbers that are
 *  not reply/DSN codes), <id> (queue IDs and other tokens of hex/base-52 noise). SMTP reply
 *  codes and enhanced status codes are kept (they are the point of the key). */
size_t pft_reason_key(const char *text, size_t len, char *out, size_t cap);

#endif
