/* pftally trace through the executable: a queue ID across a rotated plain/gzip/zstd set
 * (with a reused ID), hops, forwards and notifications in a real capture and in hand-written
 * logs (both link orders, a child found back across tiny chunks, a remote queue ID that is no
 * link), address search, the JSON document, exit codes, the filter kernels, and the man page. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pft_test.h"
#include "trace/trace_internal.h"

#define PFTALLY "\"${PFT_TEST_PFTALLY:-" PFT_BINARY_DIR "/pftally}\""
#define PFTGEN PFT_BINARY_DIR "/tools/pftgen"
#define REAL PFT_SOURCE_DIR "/corpus/real"

/* ---- running ------------------------------------------------------------------------------- */

static int run(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(char **out, const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return pft_test_run(cmd, out);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

/* ---- a small JSON walker: the whole document must parse; values by dotted path --------------- */

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

/* Past the string at p (which is at '"'), or NULL. */
static const char *skip_string(const char *p)
{
	for (p++; *p && *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *skip_value(const char *p)
{
	p = ws(p);
	if (*p == '"')
		return skip_string(p);
	if (*p == '{' || *p == '[') {
		const char close = *p == '{' ? '}' : ']';
		p = ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (*p != '"' || (p = skip_string(p)) == NULL)
					return NULL;
				p = ws(p);
				if (*p++ != ':')
					return NULL;
			}
			if ((p = skip_value(p)) == NULL)
				return NULL;
			p = ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
			p = ws(p);
		}
	}
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
		return p + 4;
	if (strncmp(p, "false", 5) == 0)
		return p + 5;
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		char *end;
		strtod(p, &end);
		return end;
	}
	return NULL;
}

static int json_valid(const char *doc)
{
	const char *end = skip_value(doc);
	return end != NULL && *ws(end) == '\0';
}

/* The value at a dotted path ("messages.1.qid"), or NULL. */
static const char *jat(const char *doc, const char *path)
{
	const char *p = ws(doc);
	char comp[256];
	while (*path) {
		size_t n = strcspn(path, ".");
		snprintf(comp, sizeof comp, "%.*s", (int)n, path);
		path += n + (path[n] == '.');
		if (*p == '{') {
			p = ws(p + 1);
			for (;;) {
				if (*p != '"')
					return NULL;
				const char *k = p + 1, *ke = skip_string(p);
				if (ke == NULL)
					return NULL;
				const int hit = (size_t)(ke - 1 - k) == strlen(comp) &&
						memcmp(k, comp, strlen(comp)) == 0;
				p = ws(ws(ke) + 1);
				if (hit)
					break;
				if ((p = skip_value(p)) == NULL)
					return NULL;
				p = ws(p);
				if (*p != ',')
					return NULL;
				p = ws(p + 1);
			}
		} else if (*p == '[') {
			long index = strtol(comp, NULL, 10);
			p = ws(p + 1);
			if (*p == ']')
				return NULL;
			for (long i = 0; i < index; i++) {
				if ((p = skip_value(p)) == NULL)
					return NULL;
				p = ws(p);
				if (*p != ',')
					return NULL;
				p = ws(p + 1);
			}
		} else {
			return NULL;
		}
	}
	return p;
}

/* A string value (escapes \" and \\ undone; others kept), "null", or "" when absent. */
static const char *jstr(const char *doc, const char *path, char *buf, size_t size)
{
	const char *p = jat(doc, path);
	buf[0] = '\0';
	if (p == NULL)
		return buf;
	if (strncmp(p, "null", 4) == 0) {
		snprintf(buf, size, "null");
		return buf;
	}
	if (*p != '"')
		return buf;
	size_t n = 0;
	for (p++; *p && *p != '"' && n + 1 < size; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		buf[n++] = *p;
	}
	buf[n] = '\0';
	return buf;
}

static long long jnum(const char *doc, const char *path)
{
	const char *p = jat(doc, path);
	return p && (*p == '-' || (*p >= '0' && *p <= '9')) ? strtoll(p, NULL, 10) : -1;
}

static int jtrue(const char *doc, const char *path)
{
	const char *p = jat(doc, path);
	return p && strncmp(p, "true", 4) == 0;
}

static int jfalse(const char *doc, const char *path)
{
	const char *p = jat(doc, path);
	return p && strncmp(p, "false", 5) == 0;
}

static size_t jcount(const char *doc, const char *path)
{
	const char *p = jat(doc, path);
	if (p == NULL || *p != '[')
		return 0;
	p = ws(p + 1);
	if (*p == ']')
		return 0;
	size_t n = 1;
	while ((p = skip_value(p)) != NULL && *(p = ws(p)) == ',') {
		n++;
		p = ws(p + 1);
	}
	return n;
}

#define JS(doc, ...) jstr_fmt(doc, __VA_ARGS__)
static char jbuf[8][4096];
static unsigned jnext;
static const char *jstr_fmt(const char *doc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static const char *jstr_fmt(const char *doc, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	char *buf = jbuf[jnext++ % 8];
	return jstr(doc, path, buf, sizeof jbuf[0]);
}

static long long jnum_fmt(const char *doc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static long long jnum_fmt(const char *doc, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	return jnum(doc, path);
}

/* Index of the message with this qid (the n-th one, from 0), or -1. */
static int message_with(const char *doc, const char *qid, int nth)
{
	const size_t n = jcount(doc, "messages");
	for (size_t i = 0; i < n; i++)
		if (strcmp(JS(doc, "messages.%zu.qid", i), qid) == 0 && nth-- == 0)
			return (int)i;
	return -1;
}

static char *trace_json(int expect_code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static char *trace_json(int expect_code, const char *fmt, ...)
{
	char args[4096], cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof cmd, PFTALLY " trace -f json %s", args);
	char *out = NULL;
	const int code = pft_test_run(cmd, &out);
	cr_assert_eq(code, expect_code, "exit %d, not %d: %s", code, expect_code, cmd);
	cr_assert(json_valid(out), "not valid JSON from %s:\n%.2000s", cmd, out);
	cr_assert_str_eq(JS(out, "schema"), "pftally-trace-1");
	return out;
}

/* Every line text of the document's messages, in order, one per line (malloc'd). */
static char *all_lines(const char *doc)
{
	size_t cap = 1 << 16, n = 0;
	char *s = malloc(cap);
	s[0] = '\0';
	const size_t nm = jcount(doc, "messages");
	for (size_t i = 0; i < nm; i++) {
		char path[64];
		snprintf(path, sizeof path, "messages.%zu.lines", i);
		const size_t nl = jcount(doc, path);
		for (size_t j = 0; j < nl; j++) {
			const char *t = JS(doc, "messages.%zu.lines.%zu.text", i, j);
			const char *time = JS(doc, "messages.%zu.lines.%zu.time", i, j);
			const size_t need = strlen(t) + strlen(time) + 4;
			if (n + need >= cap) {
				cap = 2 * (n + need);
				s = realloc(s, cap);
			}
			n += (size_t)sprintf(s + n, "%s %s\n", time, t);
		}
	}
	return s;
}

/* ---- a queue ID across a rotated, mixed-compression set, with reuse ------------------------ */

/* The most often reused queue ID of a log (removed more than once), into qid. */
static int reused_qid(const char *text, char *qid, size_t size)
{
	int best = 0;
	for (const char *p = strstr(text, ": removed\n"); p; p = strstr(p + 1, ": removed\n")) {
		const char *b = p;
		while (b > text && b[-1] != ' ')
			b--;
		char cand[64];
		snprintf(cand, sizeof cand, "%.*s", (int)(p - b), b);
		char needle[80];
		snprintf(needle, sizeof needle, " %s: removed\n", cand);
		int count = 0;
		for (const char *q = strstr(text, needle); q; q = strstr(q + 1, needle))
			count++;
		if (count > best) {
			best = count;
			snprintf(qid, size, "%s", cand);
		}
		if (best >= 3)
			break;
	}
	return best;
}

Test(trace, qid_across_rotated_gzip_zstd_plain_with_reuse, .timeout = 300)
{
	char *dir = pft_test_tmpdir();
	cr_assert_eq(run(NULL, PFTGEN " --seed 21 --messages 4000 --reuse-qids -o %s/one.log", dir),
		     0);
	char path[4096];
	snprintf(path, sizeof path, "%s/one.log", dir);
	size_t len = 0;
	char *text = pft_test_read_file(path, &len);
	cr_assert_not_null(text);
	char qid[64] = "";
	const int lifecycles = reused_qid(text, qid, sizeof qid);
	cr_assert_geq(lifecycles, 2, "pftgen --reuse-qids made no reused queue ID");

	/* Cut inside the first and inside the last lifecycle, so that both cross a file. */
	char own[80];
	snprintf(own, sizeof own, " %s: ", qid);
	const char *first = strstr(text, own), *last = first;
	for (const char *p = first; p; p = strstr(p + 1, own))
		last = p;
	const char *cut1 = strchr(first, '\n') + 1;
	const char *cut2 = last;
	while (cut2 > cut1 && cut2[-1] != '\n')
		cut2--;
	cr_assert(cut1 < cut2);
	char *set = malloc(strlen(dir) + 8);
	sprintf(set, "%s/set", dir);
	cr_assert_eq(run(NULL, "mkdir %s && head -c %zu %s/one.log | gzip -c > %s/mail.log.2.gz && "
			       "head -c %zu %s/one.log | tail -c +%zu | zstd -q -c "
			       "> %s/mail.log.1.zst && "
			       "tail -c +%zu %s/one.log > %s/mail.log",
			 set, (size_t)(cut1 - text), dir, set, (size_t)(cut2 - text), dir,
			 (size_t)(cut1 - text) + 1, set, (size_t)(cut2 - text) + 1, dir, set),
		     0);

	char *one = trace_json(0, "--year 2025 %s %s/one.log", qid, dir);
	/* Given newest first, and as a directory: the same lines, with the same times. */
	char *rot = trace_json(0, "--year 2025 %s %s/mail.log %s/mail.log.1.zst %s/mail.log.2.gz",
			       qid, set, set, set);
	char *as_dir = trace_json(0, "--year 2025 --chunk-size 2K %s %s", qid, set);
	char *one_thread = trace_json(0, "--year 2025 -j 1 --chunk-size 3K %s %s", qid, set);

	/* One message per lifecycle, each matched, of this queue ID. */
	size_t matched = 0;
	for (size_t i = 0; i < jcount(one, "messages"); i++)
		if (jtrue(one, (snprintf(path, sizeof path, "messages.%zu.matched", i), path))) {
			matched++;
			cr_expect_str_eq(JS(one, "messages.%zu.qid", i), qid);
		}
	cr_expect_geq(matched, (size_t)lifecycles, "%zu messages for %d lifecycles of %s", matched,
		      lifecycles, qid);
	/* Every line of the file that carries the ID as its own is in the trace. */
	size_t own_lines = 0;
	for (const char *p = strstr(text, own); p; p = strstr(p + 1, own))
		own_lines++;
	size_t traced = 0;
	for (size_t i = 0; i < jcount(one, "messages"); i++)
		if (strcmp(JS(one, "messages.%zu.qid", i), qid) == 0)
			traced += jcount(one, (snprintf(path, sizeof path, "messages.%zu.lines", i),
					       path));
	cr_expect_eq(traced, own_lines, "%zu lines traced, %zu in the log", traced, own_lines);

	char *l_one = all_lines(one), *l_rot = all_lines(rot), *l_dir = all_lines(as_dir);
	char *l_j1 = all_lines(one_thread);
	cr_expect_str_eq(l_rot, l_one, "the rotated set traces differently");
	cr_expect_str_eq(l_dir, l_one, "the directory traces differently");
	cr_expect_str_eq(l_j1, l_one, "one thread traces differently");
	free(l_j1);
	free(one_thread);
	cr_expect(strstr(l_one, "2024-12-") != NULL || strstr(l_one, "2025-01-") != NULL,
		  "times without the inferred year: %.300s", l_one);
	/* The rotated trace names its files. */
	cr_expect(strstr(rot, "mail.log.2.gz") && strstr(rot, "mail.log.1.zst"),
		  "the files of the set are not named");
	free(l_one);
	free(l_rot);
	free(l_dir);
	free(one);
	free(rot);
	free(as_dir);
	free(text);
	free(set);
	run(NULL, "rm -rf %s", dir);
	free(dir);
}

/* ---- hops, forwards and notifications in a real Postfix capture ---------------------------- */

Test(trace, real_capture_hop_forward_notification)
{
	static const char *const inputs[] = {REAL "/short-qids/mail.log",
					     REAL "/short-qids/rotated"};
	for (size_t k = 0; k < 2; k++) {
		/* Content-filter hand-off: the child's first lines precede the parent's sent. */
		char *j = trace_json(0, "--year 2026 CD8BF102627 %s", inputs[k]);
		cr_assert_eq(jcount(j, "messages"), 2);
		cr_expect_str_eq(JS(j, "messages.0.qid"), "CD8BF102627");
		cr_expect_str_eq(JS(j, "messages.0.links.0.kind"), "hop");
		cr_expect_eq(jnum(j, "messages.0.links.0.id"), 2);
		cr_expect_str_eq(JS(j, "messages.1.qid"), "D2E8810262B");
		cr_expect_eq(jnum(j, "messages.1.parent.id"), 1);
		cr_expect_str_eq(JS(j, "messages.1.parent.link"), "hop");
		cr_expect(!jtrue(j, "messages.1.matched"));
		cr_expect_str_eq(JS(j, "messages.1.lines.0.event.kind"), "client");
		cr_expect_str_eq(JS(j, "messages.1.lines.0.event.program"), "postfix/10026/smtpd");
		cr_expect_eq(jcount(j, "messages.1.lines"), 5);
		cr_expect_str_eq(JS(j, "messages.1.recipients.0.status"), "sent");
		cr_expect_str_eq(JS(j, "messages.0.lines.0.time"), "2026-11-29T00:30:05");
		free(j);

		/* Bounce: the notification (cleanup logged it before the bounce daemon's link). */
		j = trace_json(0, "--year 2026 39897102627 %s", inputs[k]);
		cr_assert_eq(jcount(j, "messages"), 2);
		cr_expect_str_eq(JS(j, "messages.0.recipients.0.to"), "nobody0@hard.example");
		cr_expect_str_eq(JS(j, "messages.0.recipients.0.status"), "bounced");
		cr_expect_str_eq(JS(j, "messages.0.recipients.0.dsn"), "5.1.1");
		cr_expect_eq(jnum(j, "messages.0.recipients.0.attempts"), 1);
		cr_expect_str_eq(JS(j, "messages.0.links.0.kind"), "notification");
		cr_expect_str_eq(JS(j, "messages.1.qid"), "3D18C10262A");
		cr_expect_str_eq(JS(j, "messages.1.notification"), "non_delivery");
		cr_expect_str_eq(JS(j, "messages.1.from"), "");
		cr_expect(jtrue(j, "messages.0.ended") && jtrue(j, "messages.1.ended"));
		free(j);

		/* Local forward. */
		j = trace_json(0, "--year 2026 BD102102627 %s", inputs[k]);
		cr_assert_eq(jcount(j, "messages"), 2);
		cr_expect_str_eq(JS(j, "messages.0.links.0.kind"), "forward");
		cr_expect_str_eq(JS(j, "messages.1.qid"), "BDD8F10262A");
		cr_expect_str_eq(JS(j, "messages.1.recipients.0.orig_to"), "fwd@local.example");
		free(j);

		/* --no-follow: the message alone. */
		j = trace_json(0, "--year 2026 --no-follow CD8BF102627 %s", inputs[k]);
		cr_expect_eq(jcount(j, "messages"), 1);
		cr_expect_eq(jcount(j, "messages.0.links"), 0);
		free(j);

		/* Tracing the child names the parent that is not traced. */
		j = trace_json(0, "--year 2026 D2E8810262B %s", inputs[k]);
		cr_assert_eq(jcount(j, "messages"), 1);
		cr_expect_str_eq(JS(j, "messages.0.parent.qid"), "CD8BF102627");
		cr_expect_str_eq(JS(j, "messages.0.parent.id"), "null");
		cr_expect(strstr(JS(j, "messages.0.parent.text"), "queued as D2E8810262B") != NULL);
		free(j);
	}
	/* A delay notification and the non-delivery notification of the same expired message. */
	char *j = trace_json(0, "--year 2026 2973B102623 " REAL "/short-qids/mail.log");
	cr_expect_eq(jcount(j, "messages"), 3);
	const int delay = message_with(j, "F01B310253B", 0);
	const int ndr = message_with(j, "1556010253D", 0);
	cr_assert(delay >= 0 && ndr >= 0, "notifications not followed");
	cr_expect_str_eq(JS(j, "messages.%d.notification", delay), "delay");
	cr_expect_str_eq(JS(j, "messages.%d.notification", ndr), "non_delivery");
	cr_expect_str_eq(JS(j, "messages.0.recipients.0.status"), "expired");
	free(j);

	/* Text output: a header per message, its summary and its lines. */
	char *out = NULL;
	cr_assert_eq(run(&out, PFTALLY " trace --color never --year 2026 CD8BF102627 %s",
			 REAL "/short-qids/mail.log"),
		     0);
	cr_expect(strstr(out, "message 1/2  CD8BF102627") != NULL, "%s", out);
	cr_expect(strstr(out, "child      D2E8810262B (message 2), hop") != NULL, "%s", out);
	cr_expect(strstr(out, "parent     CD8BF102627 (message 1), hop") != NULL, "%s", out);
	cr_expect(strstr(out, "    Nov 29 00:30:05 mx1 postfix/10026/smtpd[18942]: D2E8810262B: "
			      "client=localhost[127.0.0.1]\n") != NULL,
		  "%s", out);
	cr_expect(strstr(out, "\033[") == NULL, "colour with --color never");
	free(out);
	cr_assert_eq(run(&out, PFTALLY " trace --color always --year 2026 CD8BF102627 %s",
			 REAL "/short-qids/mail.log"),
		     0);
	cr_expect(strstr(out, "\033[32msent\033[0m") != NULL, "no colour with --color always");
	free(out);
}

/* ---- hand-written logs: both link orders, look-back across chunks, remote IDs ------------- */

static char *hand_log(void)
{
	size_t cap = 1 << 20, n = 0;
	char *s = malloc(cap);
#define L(...) (n += (size_t)snprintf(s + n, cap - n, __VA_ARGS__))
	/* A message through a content filter: the re-injected child starts before the hand-off
	 * is logged, 40 KB of other lines earlier (a 1K chunk size puts them chunks back). */
	L("Mar  1 10:00:00 mx1 postfix/smtpd[100]: 1A2B3C4D5E: client=client.example[192.0.2.1]\n");
	L("Mar  1 10:00:00 mx1 postfix/cleanup[101]: 1A2B3C4D5E: message-id=<m1@example>\n");
	L("Mar  1 10:00:00 mx1 postfix/qmgr[102]: 1A2B3C4D5E: from=<alice@example.com>, size=100, "
	  "nrcpt=2 (queue active)\n");
	L("Mar  1 10:00:01 mx1 postfix/10025/smtpd[103]: 2B3C4D5E6F: "
	  "client=localhost[127.0.0.1]\n");
	L("Mar  1 10:00:01 mx1 postfix/cleanup[101]: 2B3C4D5E6F: message-id=<m1@example>\n");
	for (int i = 0; i < 400; i++)
		L("Mar  1 10:00:01 mx1 postfix/smtpd[%d]: connect from unknown[198.51.100.%d] "
		  "filler filler filler filler filler\n",
		  300 + i, i % 250);
	L("Mar  1 10:00:02 mx1 postfix/smtp[104]: 1A2B3C4D5E: to=<bob@example.net>, "
	  "relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 "
	  "2.0.0 Ok: queued as 2B3C4D5E6F)\n");
	L("Mar  1 10:00:02 mx1 postfix/smtp[104]: 1A2B3C4D5E: to=<carol@example.net>, "
	  "relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 "
	  "2.0.0 Ok: queued as 2B3C4D5E6F)\n");
	L("Mar  1 10:00:02 mx1 postfix/qmgr[102]: 1A2B3C4D5E: removed\n");
	L("Mar  1 10:00:02 mx1 postfix/qmgr[102]: 2B3C4D5E6F: from=<alice@example.com>, size=200, "
	  "nrcpt=2 (queue active)\n");
	/* A remote server's queue ID that no local line has: not a link. */
	L("Mar  1 10:00:03 mx1 postfix/smtp[105]: 2B3C4D5E6F: to=<bob@example.net>, "
	  "relay=mx.example.net[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent "
	  "(250 2.0.0 Ok: queued as ABCDEF0123)\n");
	L("Mar  1 10:00:04 mx1 postfix/smtp[105]: 2B3C4D5E6F: to=<carol@example.net>, "
	  "relay=mx.example.net[198.51.100.1]:25, delay=2, delays=0/0/0/2, dsn=4.2.0, "
	  "status=deferred (host mx.example.net[198.51.100.1] said: 450 4.2.0 busy (in reply to "
	  "RCPT TO command))\n");
	L("Mar  1 10:05:04 mx1 postfix/smtp[105]: 2B3C4D5E6F: to=<carol@example.net>, "
	  "relay=mx.example.net[198.51.100.1]:25, delay=302, delays=300/0/0/2, dsn=5.1.1, "
	  "status=bounced (host mx.example.net[198.51.100.1] said: 550 5.1.1 unknown (in reply to "
	  "RCPT TO command))\n");
	/* Postfix 3.11 order: the link comes before the notification's first line. */
	L("Mar  1 10:05:04 mx1 postfix/bounce[106]: 2B3C4D5E6F: sender non-delivery notification: "
	  "3C4D5E6F70\n");
	L("Mar  1 10:05:04 mx1 postfix/cleanup[101]: 3C4D5E6F70: message-id=<n1@mx1>\n");
	L("Mar  1 10:05:04 mx1 postfix/qmgr[102]: 2B3C4D5E6F: removed\n");
	L("Mar  1 10:05:04 mx1 postfix/qmgr[102]: 3C4D5E6F70: from=<>, size=300, nrcpt=1 (queue "
	  "active)\n");
	L("Mar  1 10:05:05 mx1 postfix/smtp[105]: 3C4D5E6F70: to=<alice@example.com>, "
	  "relay=mx.example.com[203.0.113.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent "
	  "(250 ok)\n");
	L("Mar  1 10:05:05 mx1 postfix/qmgr[102]: 3C4D5E6F70: removed\n");
	/* A notification delivered and removed before the bounce daemon logs its link. */
	L("Mar  1 11:00:00 mx1 postfix/pickup[110]: 4D5E6F7081: uid=0 from=<root>\n");
	L("Mar  1 11:00:00 mx1 postfix/cleanup[101]: 4D5E6F7081: message-id=<m2@mx1>\n");
	L("Mar  1 11:00:00 mx1 postfix/qmgr[102]: 4D5E6F7081: from=<root@mx1.example>, size=10, "
	  "nrcpt=1 (queue active)\n");
	L("Mar  1 11:00:01 mx1 postfix/local[111]: 4D5E6F7081: to=<nobody@mx1.example>, "
	  "relay=local, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (unknown user: "
	  "\"nobody\")\n");
	L("Mar  1 11:00:01 mx1 postfix/cleanup[101]: 5E6F708192: message-id=<n2@mx1>\n");
	L("Mar  1 11:00:01 mx1 postfix/qmgr[102]: 5E6F708192: from=<>, size=20, nrcpt=1 (queue "
	  "active)\n");
	L("Mar  1 11:00:01 mx1 postfix/local[111]: 5E6F708192: to=<root@mx1.example>, relay=local, "
	  "delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)\n");
	L("Mar  1 11:00:01 mx1 postfix/qmgr[102]: 5E6F708192: removed\n");
	L("Mar  1 11:00:02 mx1 postfix/bounce[106]: 4D5E6F7081: sender non-delivery notification: "
	  "5E6F708192\n");
	L("Mar  1 11:00:02 mx1 postfix/qmgr[102]: 4D5E6F7081: removed\n");
	/* One instance hands over to another of the same host; the child stays queued. */
	L("Mar  1 12:00:00 mx1 postfix-out/pickup[120]: 6F708192A3: uid=0 from=<root>\n");
	L("Mar  1 12:00:00 mx1 postfix-out/qmgr[122]: 6F708192A3: from=<root@mx1.example>, "
	  "size=10, nrcpt=1 (queue active)\n");
	L("Mar  1 12:00:01 mx1 postfix/smtpd[123]: 708192A3B4: client=localhost[127.0.0.1]\n");
	L("Mar  1 12:00:01 mx1 postfix-out/smtp[125]: 6F708192A3: to=<erin@example.org>, "
	  "relay=127.0.0.1[127.0.0.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 "
	  "2.0.0 Ok: queued as 708192A3B4)\n");
	L("Mar  1 12:00:01 mx1 postfix-out/qmgr[122]: 6F708192A3: removed\n");
	L("Mar  1 12:00:01 mx1 postfix/qmgr[126]: 708192A3B4: from=<root@mx1.example>, size=20, "
	  "nrcpt=1 (queue active)\n");
	L("Mar  1 12:00:02 mx1 postfix/smtp[127]: 708192A3B4: to=<erin@example.org>, "
	  "relay=mx.example.org[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=4.4.1, "
	  "status=deferred (connect to mx.example.org[203.0.113.5]:25: Connection timed out)\n");
	/* The first queue ID again: another message (and one on another host). */
	L("Mar  2 09:00:00 mx1 postfix/smtpd[130]: 1A2B3C4D5E: client=client.example[192.0.2.1]\n");
	L("Mar  2 09:00:00 mx1 postfix/qmgr[102]: 1A2B3C4D5E: from=<dave@example.com>, size=50, "
	  "nrcpt=1 (queue active)\n");
	L("Mar  2 09:00:01 mx2 postfix/qmgr[140]: 1A2B3C4D5E: from=<zoe@example.com>, size=50, "
	  "nrcpt=1 (queue active)\n");
	L("Mar  2 09:00:01 mx1 postfix/smtp[131]: 1A2B3C4D5E: to=<Bob@example.net>, "
	  "relay=mx.example.net[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent "
	  "(250 ok)\n");
	L("Mar  2 09:00:01 mx1 postfix/qmgr[102]: 1A2B3C4D5E: removed\n");
	/* Rejected before a queue file existed. */
	L("Mar  2 09:30:00 mx1 postfix/smtpd[132]: NOQUEUE: reject: RCPT from unknown[192.0.2.7]: "
	  "554 5.7.1 <bob@example.net>: Recipient address rejected: spam; from=<x@spam.example> "
	  "to=<bob@example.net> proto=ESMTP helo=<spam>\n");
	/* Control bytes in a line must not reach a terminal. */
	L("Mar  2 09:40:00 mx1 postfix/cleanup[101]: 90A1B2C3D4: warning: header Subject: "
	  "\033[31mred from unknown; from=<bob@example.net> to=<x@example.org>\n");
#undef L
	return s;
}

Test(trace, hand_written_links_both_orders_across_tiny_chunks)
{
	char *dir = pft_test_tmpdir();
	char path[4096];
	snprintf(path, sizeof path, "%s/mail.log", dir);
	char *log = hand_log();
	write_file(path, log);
	static const char *const engines[] = {"", "--chunk-size 1K", "--chunk-size 300",
					      "--no-mmap --chunk-size 2K", "-j 1 --chunk-size 1K",
					      "-j 3 --chunk-size 700"};
	for (size_t e = 0; e < sizeof engines / sizeof engines[0]; e++) {
		char *j = trace_json(0, "--year 2024 %s 1A2B3C4D5E %s", engines[e], path);
		/* mx1's two lifecycles, mx2's, the filter's child and its notification. */
		cr_assert_eq(jcount(j, "messages"), 5, "%s: %zu messages", engines[e],
			     jcount(j, "messages"));
		cr_expect_str_eq(JS(j, "messages.0.qid"), "1A2B3C4D5E");
		cr_expect_str_eq(JS(j, "messages.1.qid"), "2B3C4D5E6F", "%s", engines[e]);
		cr_expect_eq(jcount(j, "messages.1.lines"), 8, "%s: the child's lines", engines[e]);
		cr_expect_str_eq(JS(j, "messages.1.lines.0.event.program"), "postfix/10025/smtpd");
		cr_expect(jtrue(j, "messages.1.start_seen"));
		/* Two recipients hand over to one child: one link. */
		cr_expect_eq(jcount(j, "messages.0.links"), 1);
		cr_expect_eq(jnum(j, "messages.0.links.0.line"), 3);
		cr_expect_str_eq(JS(j, "messages.1.parent.link"), "hop");
		/* The remote queue ID is no link; the notification linked before its lines is. */
		cr_expect_eq(jcount(j, "messages.1.links"), 1);
		cr_expect_str_eq(JS(j, "messages.1.links.0.qid"), "3C4D5E6F70");
		cr_expect_str_eq(JS(j, "messages.2.qid"), "3C4D5E6F70");
		cr_expect_eq(jcount(j, "messages.2.lines"), 4);
		cr_expect_str_eq(JS(j, "messages.2.notification"), "non_delivery");
		cr_expect_str_eq(JS(j, "messages.1.recipients.1.to"), "carol@example.net");
		cr_expect_str_eq(JS(j, "messages.1.recipients.1.status"), "bounced");
		cr_expect_eq(jnum(j, "messages.1.recipients.1.attempts"), 2);
		cr_expect_eq(jnum(j, "messages.1.recipients.1.deferrals"), 1);
		cr_expect_str_eq(JS(j, "messages.1.recipients.0.status"), "sent");
		/* The reused ID, and the same ID on another host. */
		cr_expect_str_eq(JS(j, "messages.3.qid"), "1A2B3C4D5E");
		cr_expect_str_eq(JS(j, "messages.3.host"), "mx1");
		cr_expect_str_eq(JS(j, "messages.3.from"), "dave@example.com");
		cr_expect_str_eq(JS(j, "messages.4.host"), "mx2");
		cr_expect(!jtrue(j, "messages.4.ended"));
		cr_expect_str_eq(JS(j, "messages.0.first"), "2024-03-01T10:00:00");
		free(j);
	}
	/* Removed before the link line: still its notification. */
	char *j = trace_json(0, "--year 2024 --chunk-size 1K 4D5E6F7081 %s", path);
	cr_assert_eq(jcount(j, "messages"), 2);
	cr_expect_str_eq(JS(j, "messages.1.qid"), "5E6F708192");
	cr_expect_eq(jcount(j, "messages.1.lines"), 4);
	cr_expect_eq(jnum(j, "messages.1.parent.id"), 1);
	cr_expect_str_eq(JS(j, "messages.0.links.0.kind"), "notification");
	free(j);
	/* From one instance to another: a hop; the child is still queued. */
	j = trace_json(0, "--year 2024 6F708192A3 %s", path);
	cr_assert_eq(jcount(j, "messages"), 2);
	cr_expect_str_eq(JS(j, "messages.1.instance"), "postfix");
	cr_expect_str_eq(JS(j, "messages.0.instance"), "postfix-out");
	cr_expect(!jtrue(j, "messages.1.ended"));
	cr_expect_str_eq(JS(j, "messages.1.recipients.0.status"), "pending");
	free(j);
	/* A window too small to reach the child's first lines: the child is still followed
	 * (its QID shows up on this host soon after the hand-off) and said to lack its start. */
	j = trace_json(0, "--year 2024 --chunk-size 1K --window 1K 1A2B3C4D5E %s", path);
	const int child = message_with(j, "2B3C4D5E6F", 0);
	cr_assert_geq(child, 0, "the hop was not followed with a small window");
	char key[64];
	snprintf(key, sizeof key, "messages.%d.start_seen", child);
	cr_expect(jfalse(j, key), "start_seen should be false");
	cr_expect_eq(jnum_fmt(j, "messages.%d.parent.id", child), 1);
	free(j);

	/* Control bytes are escaped in text and in JSON. */
	char *out = NULL;
	cr_assert_eq(run(&out, PFTALLY " trace --address --year 2024 bob@example.net %s", path), 0);
	cr_expect(strchr(out, '\033') == NULL, "an escape byte reached the output");
	cr_expect(strstr(out, "\\x1b[31mred") != NULL, "%s", out);
	free(out);
	j = trace_json(0, "--year 2024 bob@example.net %s", path);
	cr_expect(strstr(j, "\\u001b[31mred") != NULL);
	free(j);
	free(log);
	run(NULL, "rm -rf %s", dir);
	free(dir);
}

/* ---- address search ------------------------------------------------------------------------- */

Test(trace, address_matches_to_orig_to_from_with_domain_case)
{
	char *dir = pft_test_tmpdir();
	char path[4096];
	snprintf(path, sizeof path, "%s/mail.log", dir);
	char *log = hand_log();
	write_file(path, log);
	/* bob@ with the domain in upper case; Bob@ (another local part) is not bob@. */
	char *j = trace_json(0, "--year 2024 --chunk-size 1K '<bob@EXAMPLE.NET>' %s", path);
	cr_expect_str_eq(JS(j, "query.kind"), "address");
	cr_expect_str_eq(JS(j, "query.value"), "bob@EXAMPLE.NET");
	/* 1A2B3C4D5E (first lifecycle), its child 2B3C4D5E6F (also to bob), the notification,
	 * the NOQUEUE reject, the warning line's message. */
	const size_t n = jcount(j, "messages");
	cr_expect_eq(n, 5, "%zu messages", n);
	cr_expect_str_eq(JS(j, "messages.0.qid"), "1A2B3C4D5E");
	cr_expect(jtrue(j, "messages.0.matched"));
	cr_expect(jtrue(j, "messages.1.matched"));
	cr_expect(!jtrue(j, "messages.2.matched"), "the notification is only linked");
	cr_expect_str_eq(JS(j, "messages.3.qid"), "null");
	cr_expect_str_eq(JS(j, "messages.3.recipients.0.status"), "rejected");
	cr_expect_str_eq(JS(j, "messages.3.recipients.0.dsn"), "5.7.1");
	cr_expect(message_with(j, "1A2B3C4D5E", 1) < 0, "the reused ID's other message matched");
	/* The earlier lines of the message (client=, message-id) are there. */
	cr_expect_str_eq(JS(j, "messages.0.lines.0.event.kind"), "client");
	free(j);
	/* from= and orig_to= */
	j = trace_json(0, "--year 2024 zoe@example.com %s", path);
	cr_expect_eq(jcount(j, "messages"), 1);
	cr_expect_str_eq(JS(j, "messages.0.host"), "mx2");
	free(j);
	j = trace_json(0, "--year 2024 fwd@local.example " REAL "/short-qids/mail.log");
	cr_expect_geq(jcount(j, "messages"), 2);
	cr_expect_str_eq(JS(j, "messages.0.recipients.0.to"), "fwd@local.example");
	free(j);
	/* A real capture, whole and rotated, gives the same lines. */
	char *a = trace_json(0, "--year 2026 alice@SRC.example " REAL "/long-qids/mail.log");
	char *b = trace_json(0, "--year 2026 --chunk-size 4K alice@src.example " REAL
				"/long-qids/rotated");
	cr_expect_geq(jcount(a, "messages"), 30);
	char *la = all_lines(a), *lb = all_lines(b);
	cr_expect_str_eq(la, lb, "the rotated capture traces differently");
	free(la);
	free(lb);
	free(a);
	free(b);
	free(log);
	run(NULL, "rm -rf %s", dir);
	free(dir);
}

/* ---- exit codes ----------------------------------------------------------------------------- */

Test(trace, exit_codes)
{
	char *out = NULL;
	/* 1: nothing matched (JSON still written, with no message). */
	cr_expect_eq(run(&out, PFTALLY " trace ABCDEF98765 " REAL
				     "/short-qids/mail.log 2>/dev/null"),
		     1);
	cr_expect_str_eq(out, "");
	free(out);
	char *j = trace_json(1, "nobody@nowhere.example " REAL "/short-qids/mail.log");
	cr_expect_eq(jcount(j, "messages"), 0);
	cr_expect(jtrue(j, "complete"));
	free(j);
	/* 2: usage. */
	cr_expect_eq(run(NULL, PFTALLY " trace 2>/dev/null"), 2);
	cr_expect_eq(run(NULL, PFTALLY " trace 39897102627 2>/dev/null"), 2);
	cr_expect_eq(run(NULL, PFTALLY " trace -f csv 39897102627 " REAL "/short-qids 2>/dev/null"),
		     2);
	cr_expect_eq(run(NULL, PFTALLY " trace --bogus 39897102627 " REAL
				     "/short-qids 2>/dev/null"),
		     2);
	cr_expect_eq(run(NULL, "cat " REAL "/short-qids/mail.log | " PFTALLY
			       " trace alice@src.example - 2>/dev/null"),
		     2);
	cr_expect_eq(run(NULL, PFTALLY " trace --help | grep -q 'exit status'"), 0);
	/* A queue ID trace reads standard input. */
	cr_expect_eq(run(&out, "cat " REAL "/short-qids/mail.log | " PFTALLY
			       " trace --year 2026 39897102627 -"),
		     0);
	cr_expect(strstr(out, "3D18C10262A") != NULL);
	free(out);

	/* 3: an input failed; what was found elsewhere is still printed. */
	char *dir = pft_test_tmpdir();
	cr_assert_eq(run(NULL, "seq 1 20000 | sed 's/^/Nov 29 00:00:00 mx9 postfix\\/smtpd[1]: "
			       "connect from h/' | gzip -c | head -c 2000 > %s/broken.log.gz",
			 dir),
		     0);
	j = trace_json(3, "--year 2026 39897102627 " REAL "/short-qids/mail.log %s/broken.log.gz "
			  "%s/missing.log 2>%s/err",
		       dir, dir, dir);
	cr_expect_eq(jcount(j, "messages"), 2);
	cr_expect(!jtrue(j, "complete"));
	cr_expect_eq(jcount(j, "errors"), 2);
	free(j);
	char err_path[4096];
	snprintf(err_path, sizeof err_path, "%s/err", dir);
	char *err = pft_test_read_file(err_path, NULL);
	cr_expect(err && strstr(err, "broken.log.gz") && strstr(err, "missing.log"), "%s", err);
	free(err);
	/* 3 also when the failed input leaves nothing found. */
	cr_expect_eq(run(NULL, PFTALLY " trace 39897102627 %s/missing.log 2>/dev/null >/dev/null",
			 dir),
		     3);
	run(NULL, "rm -rf %s", dir);
	free(dir);
	/* Options before the word trace are not trace's. */
	cr_expect_eq(run(NULL, PFTALLY " -f json trace 39897102627 " REAL
				     "/short-qids 2>/dev/null"),
		     2);
}

/* ---- the filter kernels agree -------------------------------------------------------------- */

Test(trace, scalar_and_simd_filters_agree, .timeout = 300)
{
	char *dir = pft_test_tmpdir();
	cr_assert_eq(run(NULL, PFTGEN " --seed 5 --messages 3000 --hosts 2 --qid mixed "
			       "--stamp mixed --reuse-qids --noise 0.02 -o %s/mail.log",
			 dir),
		     0);
	char path[4096];
	snprintf(path, sizeof path, "%s/mail.log", dir);
	char *text = pft_test_read_file(path, NULL);
	cr_assert_not_null(text);
	/* A few queue IDs (short and long) and addresses from the log itself, taken a third
	 * and two thirds of the way in. */
	const char *needles[8];
	char store[8][128];
	size_t n = 0;
	static const char *const marks[] = {"sender non-delivery notification: ", ": removed\n",
					    "to=<", "from=<"};
	const size_t text_len = strlen(text);
	for (size_t k = 0; k < 4; k++)
		for (size_t third = 1; third <= 2; third++) {
			const char *p = strstr(text + text_len * third / 3, marks[k]);
			if (p == NULL)
				continue;
			const char *b, *e;
			if (k == 1) {
				e = p;
				for (b = p; b > text && b[-1] != ' '; b--)
					;
			} else {
				b = p + strlen(marks[k]);
				e = b + strcspn(b, k == 0 ? "\n" : ">");
			}
			snprintf(store[n], sizeof store[n], "%.*s", (int)(e - b), b);
			if (store[n][0])
				needles[n] = store[n], n++;
		}
	cr_assert_geq(n, 4);
	for (size_t i = 0; i < n; i++) {
		char *ref = NULL, *simd = NULL, *small = NULL;
		const int c1 = run(&ref, "PFT_FORCE_SCAN=scalar " PFTALLY
					 " trace -f json --address --year 2025 '%s' %s",
				   needles[i], path);
		const int c2 = run(&simd, PFTALLY " trace -f json --address --year 2025 '%s' %s",
				   needles[i], path);
		const int c3 = run(&small, PFTALLY " trace -f json --address --year 2025 "
						   "--chunk-size 700 '%s' %s",
				   needles[i], path);
		cr_expect_eq(c1, c2);
		cr_expect_eq(c1, c3);
		cr_expect_str_eq(simd, ref, "kernels differ for %s", needles[i]);
		cr_expect_str_eq(small, ref, "chunk size changes %s", needles[i]);
		free(ref);
		free(simd);
		free(small);
		/* The same needle as a queue ID where it is one. */
		ref = simd = NULL;
		const int q1 = run(&ref, "PFT_FORCE_SCAN=scalar " PFTALLY " trace -f json '%s' %s",
				   needles[i], path);
		const int q2 = run(&simd, PFTALLY " trace -f json --chunk-size 1K '%s' %s",
				   needles[i], path);
		cr_expect_eq(q1, q2);
		cr_expect_str_eq(simd, ref, "kernels differ for %s", needles[i]);
		free(ref);
		free(simd);
	}
	free(text);
	run(NULL, "rm -rf %s", dir);
	free(dir);
}

/* ---- the filter kernels against the scalar reference, in process --------------------------- */

/* A buffer whose last byte is the last of a page followed by an inaccessible page: a kernel
 * that reads past the end faults. */
static char *guarded(size_t len, void **map, size_t *map_len)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const size_t pages = (len + page - 1) / page + 1;
	*map_len = (pages + 1) * page;
	char *m = mmap(NULL, *map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(m != MAP_FAILED);
	cr_assert_eq(mprotect(m + pages * page, page, PROT_NONE), 0);
	*map = m;
	return m + pages * page - len;
}

Test(trace_kernels, agree_with_scalar_on_random_and_adversarial_buffers)
{
	size_t n_k = 0;
	const struct pft_trace_kernel *ks = pft_trace_kernels(&n_k);
	cr_assert_str_eq(ks[0].name, "scalar");
	static const char alphabet[] = "AB12 :z\n@a.QIDx";
	static const char *const needles[] = {"A", "QID", "AB12A", "1A2B3C4D5E", "a@B.", "z:"};
	static const char *const qids[] = {"AB12A", "QIDQID", "1A2B3C4D5E", "4YMw9D602qzwfFW"};
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	for (int round = 0; round < 3000; round++) {
		const size_t len = (size_t)(round % 300);
		void *map;
		size_t map_len;
		char *buf = guarded(len, &map, &map_len);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			buf[i] = alphabet[(seed >> 33) % (sizeof alphabet - 1)];
		}
		/* Plant whole tokens, some at the very end. */
		if (len > 20 && round % 3 == 0)
			memcpy(buf + len - 13, " 1A2B3C4D5E: ", 13);
		if (len > 40 && round % 5 == 1)
			memcpy(buf + (size_t)round % (len - 20), " 4YMw9D602qzwfFW: x", 19);
		for (size_t j = 0; j < sizeof needles / sizeof needles[0]; j++) {
			for (int fold = 0; fold < 2; fold++) {
				struct pft_trace_needle nd;
				pft_trace_needle_init(&nd, needles[j], strlen(needles[j]), fold);
				const size_t want = ks[0].needle_find(&nd, buf, len);
				for (size_t k = 1; k < n_k; k++)
					if (ks[k].supported())
						cr_assert_eq(ks[k].needle_find(&nd, buf, len), want,
							     "%s finds '%s' (fold %d) elsewhere, "
							     "length %zu",
							     ks[k].name, needles[j], fold, len);
			}
		}
		struct pft_trace_qidset set;
		pft_trace_qidset_init(&set);
		for (size_t j = 0; j <= (size_t)round % 4; j++)
			cr_assert_geq(pft_trace_qidset_add(&set, qids[j], strlen(qids[j])), 0);
		for (size_t from = 0; from < len; from += 1 + (size_t)round % 37) {
			const size_t want = ks[0].qidset_next(&set, buf, from, len);
			for (size_t k = 1; k < n_k; k++)
				if (ks[k].supported())
					cr_assert_eq(ks[k].qidset_next(&set, buf, from, len), want,
						     "%s: token from %zu of %zu", ks[k].name, from,
						     len);
		}
		pft_trace_qidset_free(&set);
		munmap(map, map_len);
	}
}

/* ---- the man page ---------------------------------------------------------------------------- */

Test(trace, man_page_documents_trace)
{
	char *man = pft_test_read_file(PFT_SOURCE_DIR "/src/cli/pftally.1", NULL);
	cr_assert_not_null(man);
	cr_expect(strstr(man, ".SH TRACE") != NULL, "no TRACE section");
	cr_expect(strstr(man, ".B pftally trace") != NULL, "no synopsis of trace");
	static const char *const words[] = {"\\-\\-no\\-follow", "\\-\\-address", "\\-\\-window",
					    "pftally\\-trace\\-1", "Nothing matched",
					    "Exit status of", "forwarded as NEWQID", "start_seen"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		cr_expect(strstr(man, words[i]) != NULL, "the man page does not mention %s",
			  words[i]);
	/* Each exit status of trace is described in its section. */
	const char *sec = strstr(man, "Exit status of");
	cr_assert_not_null(sec);
	for (int code = 0; code <= 3; code++) {
		char tp[32];
		snprintf(tp, sizeof tp, ".TP\n.B %d\n", code);
		cr_expect(strstr(sec, tp) != NULL, "exit status %d of trace undocumented", code);
	}
	free(man);
}
