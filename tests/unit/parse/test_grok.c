/* The parser against another project's expectations: every message of the grok test suite,
 * with the fields its patterns extract.
 *
 * grok-messages data: whyscream/postfix-grok-patterns, BSD 3-Clause, Copyright (c) 2014-2023
 * Tom Hendrikx. The file is read from the corpus-ext folder beside the checkout; the test is
 * skipped when that folder is absent.
 *
 * How the two are compared:
 *  - postfix_queueid: our qid; grok's "NOQUEUE" is our empty qid with noqueue = 1.
 *  - postfix_status: our status, spelled as grok spells it (undeliverable-but-not-cached ...).
 *  - postfix_to / postfix_dsn: grok keeps them inside postfix_keyvalue_data ("to=<..>, relay=..,
 *    dsn=X.Y.Z" or "from=<..> to=<..> proto=.."): read from there, and from
 *    postfix_status_code_enhanced / postfix_proxy_status_code_enhanced for rejects.
 *  - postfix_relay_hostname: grok gives it for per-attempt smtp lines ("host X[..] said",
 *    "connect to X[..]:25", "... TLS connection established to X[..]"), where our relay_host
 *    is a best effort, and as the host part of a bare relay value; for delivery records it is
 *    inside keyvalue_data as relay=HOST[ADDR]:PORT, of which we keep HOST (or "[ADDR]" when
 *    there is no name, "none", "local", "dovecot" as written). Both are compared exactly.
 *  - Some sources are grok sub-patterns, not daemons ("delays", "tls_features", "relay",
 *    "command_counter_data", "script", "trivial_rewrite"): they are fed as the daemon that
 *    logs such text (smtp, smtpd, postfix-script, trivial-rewrite). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "pft_test.h"

#define CASES_EXPECTED 191

/* ---- a minimal JSON reader: only what this file holds (flat objects, strings, numbers) ---- */

static void put_utf8(char **o, const char *oend, unsigned cp)
{
	char tmp[4];
	int n;
	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xC0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xE0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		tmp[0] = (char)(0xF0 | (cp >> 18));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	for (int i = 0; i < n && *o < oend; i++)
		*(*o)++ = tmp[i];
}

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v = v * 16 + (unsigned)(c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
	}
	return v;
}

/* The value of "key" in the object text starting at obj (the first occurrence after obj):
 * a string (unescaped) or a bare number/literal. @return 1 if found, with out NUL-terminated
 * (its length in *len). */
static int json_get(const char *obj, const char *key, char *out, size_t cap, size_t *len)
{
	char pat[128];
	snprintf(pat, sizeof pat, "\"%s\": ", key);
	const char *p = strstr(obj, pat);
	if (p == NULL)
		return 0;
	p += strlen(pat);
	char *o = out;
	const char *oend = out + cap - 1;
	if (*p == '"') {
		p++;
		while (*p && *p != '"') {
			if (*p != '\\') {
				if (o < oend)
					*o++ = *p;
				p++;
				continue;
			}
			p++;
			switch (*p) {
			case 'n': put_utf8(&o, oend, '\n'); break;
			case 'r': put_utf8(&o, oend, '\r'); break;
			case 't': put_utf8(&o, oend, '\t'); break;
			case 'b': put_utf8(&o, oend, '\b'); break;
			case 'f': put_utf8(&o, oend, '\f'); break;
			case 'u': {
				unsigned cp = hex4(p + 1);
				p += 4;
				if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(p + 3) - 0xDC00);
					p += 6;
				}
				put_utf8(&o, oend, cp);
				break;
			}
			default: put_utf8(&o, oend, (unsigned char)*p); break; /* \" \\ \/ */
			}
			p++;
		}
	} else {
		while (*p && *p != ',' && *p != '}' && o < oend)
			*o++ = *p++;
	}
	*o = '\0';
	*len = (size_t)(o - out);
	return 1;
}

/* ---- expectations derived from grok's fields ---------------------------------------------- */

static const char *service_of(const char *source, char *buf, size_t cap)
{
	const char *b = strrchr(source, '/');
	b = b ? b + 1 : source;
	const char *u = strrchr(b, '_'); /* "smtp_0017.yaml" -> "smtp" */
	size_t n = u ? (size_t)(u - b) : strlen(b);
	snprintf(buf, cap, "%.*s", (int)n, b);
	static const char *const map[][2] = {
		{"delays", "smtp"},        {"tls_features", "smtp"},
		{"relay", "smtp"},         {"command_counter_data", "smtpd"},
		{"script", "postfix-script"}, {"trivial_rewrite", "trivial-rewrite"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(buf, map[i][0]) == 0)
			snprintf(buf, cap, "%s", map[i][1]);
	return buf;
}

/* grok status word -> our name: "undeliverable-but-not-cached" -> "undeliverable_not_cached" */
static void status_name_of(const char *word, char *buf, size_t cap)
{
	if (strcmp(word, "undeliverable-but-not-cached") == 0)
		snprintf(buf, cap, "undeliverable_not_cached");
	else if (strcmp(word, "SOFTBOUNCE") == 0)
		snprintf(buf, cap, "softbounce");
	else {
		snprintf(buf, cap, "%s", word);
		for (char *c = buf; *c; c++)
			if (*c == '-')
				*c = '_';
	}
}

/* "name=" in a key/value list (at its start or after a space): the value, without <> around
 * an address, up to ',' / ' ' (bare) or the closing '>'. @return 1 if present. */
static int kv_get(const char *kv, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);
	for (const char *p = kv; (p = strstr(p, name)) != NULL; p++) {
		if ((p != kv && p[-1] != ' ') || p[n] != '=')
			continue;
		const char *v = p + n + 1, *e;
		if (*v == '<') {
			v++;
			e = strchr(v, '>');
			if (e == NULL)
				return 0;
		} else {
			e = v + strcspn(v, ", ");
		}
		snprintf(out, cap, "%.*s", (int)(e - v), v);
		return 1;
	}
	return 0;
}

static int slice_eq(struct pft_slice s, const char *str)
{
	return s.n == strlen(str) && (s.n == 0 || memcmp(s.p, str, s.n) == 0);
}

static unsigned dsn_of(const char *s)
{
	unsigned c, sub, det;
	if (sscanf(s, "%u.%u.%u", &c, &sub, &det) != 3)
		return 0;
	return PFT_DSN_MAKE(c, sub, det);
}

/* A text that starts with "QID: to=" and carries "status=": one delivery attempt. */
static int looks_like_delivery(const char *text)
{
	const char *c = strstr(text, ": to=");
	if (c == NULL || strstr(c, " status=") == NULL)
		return 0;
	for (const char *p = text; p < c; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
			return 0;
	return c > text;
}

Test(grok, expected_fields)
{
	const char *dir = pft_test_corpus_ext();
	if (dir == NULL)
		cr_skip_test("corpus-ext folder absent");
	char path[4096];
	snprintf(path, sizeof path, "%s/grok-expected.jsonl", dir);
	size_t size;
	char *all = pft_test_read_file(path, &size);
	if (all == NULL)
		cr_skip_test("%s unreadable", path);

	static char data[16384], val[16384], kv[8192], want[512], svc[64], source[256];
	int cases = 0, deliveries = 0, compared_qid = 0, compared_status = 0, compared_to = 0,
	    compared_dsn = 0, compared_relay = 0;
	for (char *obj = all, *next; obj != NULL && *obj != '\0'; obj = next) {
		next = strchr(obj, '\n');
		if (next != NULL)
			*next++ = '\0';
		size_t dlen, n;
		cr_assert(json_get(obj, "source", source, sizeof source, &n), "no source: %.80s", obj);
		cr_assert(json_get(obj, "data", data, sizeof data, &dlen), "no data: %s", source);
		const char *results = strstr(obj, "\"results\": ");
		cr_assert_not_null(results, "%s", source);
		cases++;

		struct pft_event ev;
		memset(&ev, 0, sizeof ev);
		service_of(source, svc, sizeof svc);
		ev.service.p = svc;
		ev.service.n = (uint32_t)strlen(svc);
		ev.text.p = data;
		ev.text.n = (uint32_t)dlen;
		pft_parse_postfix(&ev);
		cr_assert_lt((unsigned)ev.kind, (unsigned)PFT_EV_KIND_COUNT, "%s", source);
		cr_assert_neq(ev.reason, PFT_UNREC_UNKNOWN_SERVICE, "%s: service %s", source, svc);

		if (looks_like_delivery(data)) {
			deliveries++;
			cr_assert_eq(ev.kind, PFT_EV_DELIVERY, "%s: a delivery record parsed as kind %d "
				     "reason %d", source, ev.kind, ev.reason);
		}

		if (json_get(results, "postfix_queueid", val, sizeof val, &n)) {
			compared_qid++;
			if (strcmp(val, "NOQUEUE") == 0) {
				cr_assert_eq(ev.qid.n, 0, "%s", source);
				cr_assert_eq(ev.noqueue, 1, "%s", source);
			} else {
				cr_assert(slice_eq(ev.qid, val), "%s: qid %s, got %.*s", source, val,
					  (int)ev.qid.n, ev.qid.p);
			}
		}
		if (json_get(results, "postfix_status", val, sizeof val, &n)) {
			compared_status++;
			status_name_of(val, want, sizeof want);
			cr_assert_str_eq(pft_dstatus_name(ev.status), want, "%s", source);
		}
		if (json_get(results, "postfix_from", val, sizeof val, &n))
			cr_assert(slice_eq(ev.from, val), "%s: from %s", source, val);
		if (json_get(results, "postfix_relay_hostname", val, sizeof val, &n)) {
			compared_relay++;
			cr_assert(slice_eq(ev.relay_host, val), "%s: relay host %s, got %.*s", source,
				  val, (int)ev.relay_host.n, ev.relay_host.p ? ev.relay_host.p : "");
		}
		if (json_get(results, "postfix_status_code_enhanced", val, sizeof val, &n) ||
		    json_get(results, "postfix_proxy_status_code_enhanced", val, sizeof val, &n)) {
			compared_dsn++;
			cr_assert_eq(ev.dsn, dsn_of(val), "%s: dsn %s", source, val);
		}
		if (json_get(results, "postfix_keyvalue_data", kv, sizeof kv, &n)) {
			if (kv_get(kv, "to", want, sizeof want)) {
				compared_to++;
				cr_assert(slice_eq(ev.to, want), "%s: to %s, got %.*s", source, want,
					  (int)ev.to.n, ev.to.p ? ev.to.p : "");
			}
			if (kv_get(kv, "dsn", want, sizeof want)) {
				compared_dsn++;
				cr_assert_eq(ev.dsn, dsn_of(want), "%s: dsn %s", source, want);
			}
			if (kv_get(kv, "from", want, sizeof want))
				cr_assert(slice_eq(ev.from, want), "%s: from %s, got %.*s", source, want,
					  (int)ev.from.n, ev.from.p ? ev.from.p : "");
			if (kv_get(kv, "relay", want, sizeof want)) {
				compared_relay++;
				char host[512];
				size_t h = want[0] == '[' ? strcspn(want, "]") + 1 : strcspn(want, "[");
				snprintf(host, sizeof host, "%.*s", (int)h, want);
				cr_assert(slice_eq(ev.relay_host, host), "%s: relay %s", source, want);
			}
		}
	}
	free(all);

	cr_assert_eq(cases, CASES_EXPECTED, "cases read: %d", cases);
	/* guard against a reader that silently compares nothing: the counts of the data set */
	cr_assert_eq(deliveries, 22);
	cr_assert_eq(compared_qid, 69);
	cr_assert_eq(compared_status, 18);
	cr_assert_eq(compared_to, 42);
	cr_assert_eq(compared_dsn, 34);
	cr_assert_eq(compared_relay, 46);
}
