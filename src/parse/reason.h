/* pftally — reason normalisation: a stable key for a deferral, bounce or reject reason.
 *
 * Reasons differ in every line (addresses, IPs, host names, numbers, queue IDs); the key
 * replaces those with placeholders so that one cause, seen a million times, is one row of a
 * "top reasons" table. The key is a pure function of the text (no state, no allocation). */
#ifndef PFT_PARSE_REASON_H
#define PFT_PARSE_REASON_H

#include <stddef.h>

/* A key buffer of this size holds the key of any reason Postfix writes whole (its records
 * stop at 2000 bytes, but the placeholders shrink them; Gmail's longest replies give ~350). */
#define PFT_REASON_KEY_MAX 512

/*! pft_reason_key() : writes the normalised key of reason text[0..len) into out (at most cap
 *  bytes, not NUL-terminated) and returns its length (0 for an empty or all-blank reason).
 *
 *  Placeholders:
 *    <addr>  a mail address: "<a@b.c>", bare "a@b.c", "<x@[192.0.2.1]>"; the local part
 *            local(8) quotes ("unknown user: \"bob\"" -> "unknown user: \"<addr>\"")
 *    <ip>    an IPv4/IPv6 literal: "192.0.2.1", "2001:db8::1", "[192.0.2.1]", "[IPv6:..]",
 *            "[192.0.2.1]:25" (the port goes with it)
 *    <host>  a DNS host name ("mx.example.com"; a word needs two labels and an alphabetic
 *            top label, so "e.g." and "main.cf" stay), and Postfix's NAME[ADDR] or
 *            NAME[ADDR]:PORT as a whole ("mx.example.com[192.0.2.1]:25", "unknown[::1]")
 *    <n>     a number that is no reply code or enhanced status code ("300", "1.5", "-1"
 *            -> "-<n>"), an ISO 8601 date-time
 *    <id>    a word with a piece of hex, base-52 or base-64 noise: queue IDs ("153053D",
 *            "4PbC4x469Jz3tBr"), server IDs ("41be03b00d2f7-5c1e2c7d3a5si12345a.123")
 *  Kept: SMTP reply codes ("550" when an enhanced code follows, or at the start of the
 *  reason or right after ": "), enhanced status codes X.Y.Z (X = 2, 4 or 5), words, case.
 *  URLs keep their scheme and host (lower-cased) and port; their path and query are read
 *  like the rest of the text ("?domain=<host>", "answer=<n>", "/help/<host>.html"). A DNSBL
 *  zone after "blocked using " is kept (lower-cased): which list refused is the cause.
 *  Multi-line replies lose the repeated "550-5.7.1" prefixes after the first. Runs of white
 *  space and control bytes (NUL included) become one space, without one at either end;
 *  bytes that are not valid UTF-8 become '?', so the key is valid UTF-8.
 *
 *  The function is O(len), reads no byte outside text[0..len), writes none outside
 *  out[0..cap), and is idempotent: the key of a key is the key. A key that does not fit is
 *  cut after its last whole word (a word cut short could read differently); when its first
 *  word alone does not fit, the key is empty. */
size_t pft_reason_key(const char *text, size_t len, char *out, size_t cap);

#endif
