/* Reason keys (src/parse/reason.c): hand-written (reason, key) pairs for every placeholder and
 * edge case, then the properties: reasons that differ only in a variable part share a key,
 * the key of a key is the key, a cut key is a prefix of the whole one at a word boundary, and
 * no input (random bytes, token soup, real Postfix reasons) makes the key overrun its buffer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "parse/parse.h"
#include "parse/reason.h"
#include "pft_test.h"

static char key_buf[PFT_REASON_KEY_MAX + 1];

/* The key of a NUL-terminated reason, NUL-terminated (in a static buffer). */
static const char *key_of(const char *text)
{
	size_t n = pft_reason_key(text, strlen(text), key_buf, PFT_REASON_KEY_MAX);
	key_buf[n] = '\0';
	return key_buf;
}

static void assert_key(const char *text, const char *expected)
{
	const char *got = key_of(text);
	cr_assert_str_eq(got, expected, "reason: %s\n  key: %s\n want: %s", text, got, expected);
}

/* ---- the rules, one reason at a time ------------------------------------------------------- */

static const struct {
	const char *text, *key;
} cases[] = {
	/* smtp(8) deferrals and bounces */
	{"host mx.example.com[192.0.2.1] said: 450 4.7.1 <a@b.c>: Recipient address rejected: "
	 "Greylisted for 300 seconds (in reply to RCPT TO command)",
	 "host <host> said: 450 4.7.1 <addr>: Recipient address rejected: Greylisted for <n> "
	 "seconds (in reply to RCPT TO command)"},
	{"connect to mx.example.com[192.0.2.1]:25: Connection timed out",
	 "connect to <host>: Connection timed out"},
	{"Host or domain name not found. Name service error for name=example.com type=MX: Host "
	 "not found, try again",
	 "Host or domain name not found. Name service error for name=<host> type=MX: Host not "
	 "found, try again"},
	{"delivery temporarily suspended: connect to mx.example.com[192.0.2.1]:25: Connection "
	 "refused",
	 "delivery temporarily suspended: connect to <host>: Connection refused"},
	{"lost connection with mx3.hotmail.com[65.55.37.72] while receiving the initial server "
	 "greeting",
	 "lost connection with <host> while receiving the initial server greeting"},
	{"conversation with mx00.gmx.com[74.208.5.4] timed out while sending end of data -- "
	 "message may be sent more than once",
	 "conversation with <host> timed out while sending end of data -- message may be sent "
	 "more than once"},
	{"550 5.1.1 <x@y>: Recipient address rejected: User unknown in virtual mailbox table",
	 "550 5.1.1 <addr>: Recipient address rejected: User unknown in virtual mailbox table"},
	{"host mg2.egov.bg[213.91.191.86] refused to talk to me: 450 4.3.2 try again later",
	 "host <host> refused to talk to me: 450 4.3.2 try again later"},
	{"host x.example.com[192.0.2.7] said: 554 Transaction failed (in reply to end of DATA "
	 "command)",
	 "host <host> said: 554 Transaction failed (in reply to end of DATA command)"},
	{"421 Service not available", "421 Service not available"},
	{"host 127.0.0.1[127.0.0.1] said: 451 4.7.650 The mail server [192.0.2.1] has been "
	 "temporarily rate limited due to IP reputation (in reply to RCPT TO command)",
	 "host <host> said: 451 4.7.650 The mail server <ip> has been temporarily rate limited "
	 "due to IP reputation (in reply to RCPT TO command)"},
	{"host sub1.example.com[private/dovecot-lmtp] said: 451 4.3.0 Temporary failure",
	 "host <host>[private/dovecot-lmtp] said: 451 4.3.0 Temporary failure"},
	{"SSL_connect error to mail.example.org[112.63.65.2]:25: -1",
	 "SSL_connect error to <host>: -<n>"},
	{"try again in 450 seconds", "try again in <n> seconds"},
	/* Gmail and Outlook: multi-line replies, URLs, server IDs, timestamps */
	{"host gmail-smtp-in.l.google.com[142.250.1.26] said: 550-5.1.1 The email account that "
	 "you tried to reach does not exist. Please try 550-5.1.1 double-checking the "
	 "recipient's email address for typos or 550-5.1.1 unnecessary spaces. For more "
	 "information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser "
	 "41be03b00d2f7-5c1e2c7d3a5si12345a.123 - gsmtp (in reply to RCPT TO command)",
	 "host <host> said: 550-5.1.1 The email account that you tried to reach does not exist. "
	 "Please try double-checking the recipient's email address for typos or unnecessary "
	 "spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser <id> "
	 "- gsmtp (in reply to RCPT TO command)"},
	{"host gmail-smtp-in.l.google.com[2607:f8b0:400e:c04::1b] said: 550-5.7.1 "
	 "[2607:4100:3:25:100::2      12] Our system has detected that this 550-5.7.1 message is "
	 "likely unsolicited mail. qc12si8475009pab.211 - gsmtp (in reply to end of DATA "
	 "command)",
	 "host <host> said: 550-5.7.1 [<ip> <n>] Our system has detected that this message is "
	 "likely unsolicited mail. <id> - gsmtp (in reply to end of DATA command)"},
	{"550 5.4.1 Recipient address rejected: Access denied. AS(201806281) "
	 "[DM6NAM12FT056.eop-nam12.prod.protection.outlook.com 2024-05-01T12:34:56.789Z "
	 "08DC6B2F3D4A5B6C]",
	 "550 5.4.1 Recipient address rejected: Access denied. AS(<n>) [<host> <n> <id>]"},
	{"250 2.0.0 OK  1700000000 d2e1a72fcca58-6c4a2b3c1d0si1234567pfb.321 - gsmtp",
	 "250 2.0.0 OK <n> <id> - gsmtp"},
	/* URLs: scheme, host and port kept (lower-cased), the path and query read as text */
	{"Greylisted, see http://postgrey.schweikert.ch/help/lists.example.org.html",
	 "Greylisted, see http://postgrey.schweikert.ch/help/<host>.html"},
	{"see HTTPS://Support.Example.COM:8443/Help?id=12345 now",
	 "see https://support.example.com:8443/Help?id=<n> now"},
	{"see http://192.0.2.1:8080/x", "see http://<ip>:8080/x"},
	/* sent reasons: queue IDs and message IDs */
	{"250 2.0.0 Ok: queued as 153053D", "250 2.0.0 Ok: queued as <id>"},
	{"250 2.0.0 Ok: queued as 4PbC4x469Jz3tBr", "250 2.0.0 Ok: queued as <id>"},
	{"250 2.0.0 <admin@example.com> qYyyBMsl9FRuZQAAA15QOA Saved",
	 "250 2.0.0 <addr> <id> Saved"},
	{"250 2.6.0 <20170210193223.B0BCD141713@openvas.workdomain.com> [InternalId=110019882254363, "
	 "Hostname=mail.workdomain.com] Queued mail for delivery",
	 "250 2.6.0 <addr> [InternalId=<n>, Hostname=<host>] Queued mail for delivery"},
	{"message rejected, id 9f86d081884c7d65 (spam)", "message rejected, id <id> (spam)"},
	/* local(8), virtual(8) */
	{"unknown user: \"nosuch1\"", "unknown user: \"<addr>\""},
	{"mail forwarding loop for tom@example.com", "mail forwarding loop for <addr>"},
	{"delivered to command: procmail -a \"$EXTENSION\"",
	 "delivered to command: procmail -a \"$EXTENSION\""},
	/* rejects and postscreen */
	{"Client host rejected: cannot find your hostname, [192.0.2.1]",
	 "Client host rejected: cannot find your hostname, <ip>"},
	{"550 5.7.1 Service unavailable; client [27.157.200.233] blocked using zen.spamhaus.org",
	 "550 5.7.1 Service unavailable; client <ip> blocked using zen.spamhaus.org"},
	{"554 5.7.1 Service unavailable; Helo command [news.zihan-promo.com] blocked using "
	 "dbl.spamhaus.org; http://www.spamhaus.org/query/dbl?domain=zihan-promo.com",
	 "554 5.7.1 Service unavailable; Helo command [<host>] blocked using dbl.spamhaus.org; "
	 "http://www.spamhaus.org/query/dbl?domain=<host>"},
	{"554 5.7.1 client [192.0.2.5] blocked using ZEN.Spamhaus.ORG",
	 "554 5.7.1 client <ip> blocked using zen.spamhaus.org"},
	{"554 5.7.0 Reject, contact postmaster@example.com, id=31619-02 - spam",
	 "554 5.7.0 Reject, contact <addr>, id=<n>-<n> - spam"},
	{"PREGREET 6 after 1.2 from [216.81.72.72]:43421: RSET",
	 "PREGREET <n> after <n> from <ip>: RSET"},
	{"550 5.5.3 <DATA>: Data command rejected: Multi-recipient bounce",
	 "550 5.5.3 <DATA>: Data command rejected: Multi-recipient bounce"},
	/* addresses */
	{"from=<> refused", "from=<> refused"},
	{"sender <postmaster@[192.0.2.1]> and user@[IPv6:2001:db8::1] refused",
	 "sender <addr> and <addr> refused"},
	{"bounce to <SRS0=HHH=TT=example.com=alice@fwd.example>", "bounce to <addr>"},
	/* IP literals, with and without [] and :port */
	{"addr 2001:db8::25 listed", "addr <ip> listed"},
	{"relay [IPv6:2001:db8::1]:25 down", "relay <ip> down"},
	{"host unknown[2001:db8:0:1::7] said: 421 4.7.0 Try again later",
	 "host <host> said: 421 4.7.0 Try again later"},
	{"from ::ffff:192.0.2.1 refused", "from <ip> refused"},
	{"fe80::1%eth0 and 192.0.2.44 and [198.51.100.7]:587", "<ip> and <ip> and <ip>"},
	/* host names against words with dots, file names, times */
	{"Name service error for name=198.204.82.110.list.dnswl.org type=A: Host not found",
	 "Name service error for name=<host> type=A: Host not found"},
	{"e.g. see main.cf, i.e. nothing", "e.g. see main.cf, i.e. nothing"},
	{"Mailbox unavailable.Please retry", "Mailbox unavailable.Please retry"},
	{"retry at 10:22:33", "retry at <n>:<n>:<n>"},
	{"MAILER-DAEMON@EXAMPLE.COM rejected", "<addr> rejected"},
	{"mail for example.com loops back to myself", "mail for <host> loops back to myself"},
	{"Expires 2024-05-01 12:00:00 +0200 ok", "Expires <n> ok"},
	{"timeout 300s", "timeout 300s"},
	/* white space, control bytes, bytes that are not UTF-8 */
	{"  550   5.7.1\t\tDenied \r\n  ", "550 5.7.1 Denied"},
	{"caf\xc3\xa9 \xff\xfe ok \xe2\x82", "caf\xc3\xa9 ?? ok ??"},
	{"", ""},
	{" \t\r\n ", ""},
};

Test(reason, hand_written_keys)
{
	cr_assert_geq(sizeof cases / sizeof cases[0], 40);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_key(cases[i].text, cases[i].key);
}

Test(reason, nul_bytes_are_white_space)
{
	static const char text[] = "550 5.7.1\0bad\0\0 text\0";
	char out[64];
	size_t n = pft_reason_key(text, sizeof text - 1, out, sizeof out);
	cr_assert_eq(n, strlen("550 5.7.1 bad text"));
	cr_assert(memcmp(out, "550 5.7.1 bad text", n) == 0, "%.*s", (int)n, out);
	cr_assert_eq(pft_reason_key(NULL, 0, out, sizeof out), 0);
	cr_assert_eq(pft_reason_key("\0\0\0", 3, out, sizeof out), 0);
}

Test(reason, reads_only_len_bytes)
{
	/* The text is not NUL-terminated: the byte after it must not be read as part of it. */
	static const char text[] = "host mx.example.com[192.0.2.1]:25 said: 550x";
	char out[64];
	size_t n = pft_reason_key(text, strlen(text) - 1, out, sizeof out);
	cr_assert_eq(n, strlen("host <host> said: 550"));
	cr_assert(memcmp(out, "host <host> said: 550", n) == 0, "%.*s", (int)n, out);
}

/* ---- the cap --------------------------------------------------------------------------------- */

Test(reason, cap_cuts_after_a_whole_word)
{
	const char *text = "host mx.example.com[192.0.2.1] said: 550 5.1.1 <a@b.c>: User unknown";
	const char *whole = "host <host> said: 550 5.1.1 <addr>: User unknown";
	char out[128];
	for (size_t cap = 0; cap <= strlen(whole) + 2; cap++) {
		memset(out, 0x5A, sizeof out);
		size_t n = pft_reason_key(text, strlen(text), out, cap);
		cr_assert_leq(n, cap);
		for (size_t i = cap; i < sizeof out; i++)
			cr_assert_eq((unsigned char)out[i], 0x5A, "cap %zu: byte %zu written", cap, i);
		cr_assert(memcmp(out, whole, n) == 0, "cap %zu: %.*s", cap, (int)n, out);
		/* a whole key, or a cut after a whole word: the next byte of the whole key is a
		 * space (and "550 5.1.1" is one token: never "... said: 550") */
		cr_assert(n == 0 || n == strlen(whole) || whole[n] == ' ', "cap %zu: %.*s", cap,
			  (int)n, out);
		cr_assert(n == 0 || out[n - 1] != ' ');
		cr_assert_neq(n, strlen("host <host> said: 550"), "cap %zu", cap);
	}
	/* the first word alone does not fit: no key */
	cr_assert_eq(pft_reason_key("Greylisted", 10, out, 5), 0);
	cr_assert_eq(pft_reason_key("Greylisted", 10, out, 0), 0);
	cr_assert_eq(pft_reason_key("Greylisted", 10, out, 10), 10);
}

Test(reason, long_reason_2000_bytes)
{
	/* Postfix cuts a record at 2000 bytes: a reason of that size, of many words. */
	char text[2001];
	size_t n = 0;
	while (n + 40 < sizeof text - 1)
		n += (size_t)sprintf(text + n, "host mx%zu.example.com said 550 %zu ", n, n);
	memset(text + n, 'x', sizeof text - 1 - n);
	text[sizeof text - 1] = '\0';
	static char whole[8192], cut[PFT_REASON_KEY_MAX];
	size_t wn = pft_reason_key(text, 2000, whole, sizeof whole);
	size_t cn = pft_reason_key(text, 2000, cut, sizeof cut);
	cr_assert_gt(wn, sizeof cut);
	cr_assert_gt(cn, 0);
	cr_assert_leq(cn, sizeof cut);
	cr_assert(memcmp(whole, cut, cn) == 0);
	cr_assert_eq(whole[cn], ' ');
	cr_assert(memcmp(cut, "host <host> said <n> <n> host <host> said", 41) == 0, "%.*s",
		  (int)cn, cut);
}

/* ---- properties ------------------------------------------------------------------------------ */

Test(reason, variable_parts_give_one_key)
{
	static const char *const groups[][4] = {
		{"host mx1.example.com[192.0.2.1] said: 550 5.1.1 <alice@example.com>: User unknown",
		 "host mail.other.org[2001:db8::25] said: 550 5.1.1 <bob.smith+tag@other.org>: User "
		 "unknown",
		 "host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <x@[192.0.2.9]>: User unknown",
		 "host unknown[198.51.100.200]:2525 said: 550 5.1.1 <SRS0=a=b=c.d=e@f.example>: User "
		 "unknown"},
		{"Greylisted for 300 seconds", "Greylisted for 60 seconds",
		 "Greylisted for 1.5 seconds", "Greylisted for 86400 seconds"},
		{"250 2.0.0 Ok: queued as 153053D", "250 2.0.0 Ok: queued as 4PbC4x469Jz3tBr",
		 "250 2.0.0 Ok: queued as F12DF84004", "250 2.0.0 Ok: queued as 48rT2v1hQrz1J0N"},
		{"connect to mx.example.com[192.0.2.1]:25: Connection refused",
		 "connect to aspmx.l.google.com[2a00:1450:400b:c02::1a]:25: Connection refused",
		 "connect to MX.EXAMPLE.NET[203.0.113.5]:2525: Connection refused",
		 "connect to intern.nl[194.109.6.98]:25: Connection refused"},
		{"client [1.2.3.4] blocked using zen.spamhaus.org",
		 "client [2001:db8::7] blocked using zen.spamhaus.org",
		 "client [192.0.2.250] blocked using ZEN.SPAMHAUS.ORG",
		 "client   [10.0.0.1]  blocked   using zen.spamhaus.org"},
	};
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		char first[PFT_REASON_KEY_MAX + 1];
		snprintf(first, sizeof first, "%s", key_of(groups[g][0]));
		for (size_t i = 1; i < 4; i++)
			cr_assert_str_eq(key_of(groups[g][i]), first, "%s\nvs %s", groups[g][i],
					 groups[g][0]);
	}
	/* and different causes stay apart */
	cr_assert_str_neq(key_of("client [1.2.3.4] blocked using zen.spamhaus.org"),
			  "client <ip> blocked using bl.spamcop.net");
	char a[PFT_REASON_KEY_MAX + 1];
	snprintf(a, sizeof a, "%s", key_of("550 5.1.1 <a@b>: User unknown"));
	cr_assert_str_neq(key_of("450 4.1.1 <a@b>: User unknown"), a);
}

/* key(text) with cap; then checks what every key must be: at most cap bytes, nothing written
 * past cap, valid UTF-8 without control bytes, no space at either end or twice in a row, the
 * same key again (pure), and its own key (idempotent). */
static void check_key(const char *text, size_t len, size_t cap)
{
	static char out[PFT_REASON_KEY_MAX + 64], again[PFT_REASON_KEY_MAX + 64],
		twice[PFT_REASON_KEY_MAX + 64];
	cr_assert_leq(cap, PFT_REASON_KEY_MAX);
	memset(out, 0x5A, sizeof out);
	size_t n = pft_reason_key(text, len, out, cap);
	cr_assert_leq(n, cap);
	for (size_t i = cap; i < sizeof out; i++)
		cr_assert_eq((unsigned char)out[i], 0x5A, "byte %zu past cap %zu written", i, cap);
	for (size_t i = 0; i < n;) {
		const unsigned char c = (unsigned char)out[i];
		cr_assert(c >= 0x20 && c != 0x7F, "control byte in key: %.*s", (int)n, out);
		cr_assert(!(c == ' ' && (i == 0 || i == n - 1 || out[i + 1] == ' ')),
			  "space at an end or twice: [%.*s]", (int)n, out);
		size_t u = pft_utf8_len((const unsigned char *)out + i, n - i);
		cr_assert_neq(u, 0, "not UTF-8 at %zu: %.*s", i, (int)n, out);
		i += u;
	}
	size_t m = pft_reason_key(text, len, again, cap);
	cr_assert(m == n && memcmp(out, again, n) == 0, "not deterministic");
	size_t t = pft_reason_key(out, n, twice, cap);
	cr_assert(t == n && memcmp(out, twice, n) == 0,
		  "not idempotent:\n text [%.*s]\n key  [%.*s]\n key2 [%.*s]", (int)len, text, (int)n,
		  out, (int)t, twice);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static size_t random_cap(void)
{
	return rng() % 4 == 0 ? rng() % 80 : PFT_REASON_KEY_MAX;
}

Test(reason, random_bytes)
{
	static char text[2100];
	for (int iter = 0; iter < 4000; iter++) {
		const size_t n = rng() % sizeof text;
		const int mode = iter % 3;
		for (size_t i = 0; i < n; i++)
			text[i] = mode == 0   ? (char)rng()
				  : mode == 1 ? "0123456789abcdefABCDEF.:-_@<>[] /?=\"xZ%"[rng() % 39]
					      : (char)(0x20 + rng() % 95);
		check_key(text, n, random_cap());
	}
}

Test(reason, token_soup)
{
	/* Reasons glued from the pieces the rules look at, in any order and contact. */
	static const char *const pieces[] = {
		"a", "Z", "0", "9", "550", "4.7.1", "5.7.650", "-", " ", ".", "@", "<", ">", "[", "]",
		":", "::", "\"", "user: ", "http://", "HTTPS://", "?", "=", "/", "ABCDEF12", "x.com",
		"MX.EXAMPLE.ORG", "192.0.2.1", "2001:db8::1", "::ffff:1.2.3.4", "\xff", "\xc3\xa4",
		"said: ", "blocked using ", "550-5.7.1 ", "\t", "_", "2024-05-01T12:00:00Z", "<n>",
		"<ip>", "<host>", "<addr>", "<id>", "%", "e.g.", "main.cf", ".html", "IPv6:", ":25",
		"4PbC4x469Jz3tBr", "qc12si8475009pab.211", "300s", "\0",
	};
	static char text[4096];
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = 0;
		const int count = (int)(rng() % 48);
		for (int t = 0; t < count; t++) {
			const size_t i = rng() % (sizeof pieces / sizeof pieces[0]);
			const size_t l = pieces[i][0] == '\0' ? 1 : strlen(pieces[i]);
			if (n + l <= sizeof text) {
				memcpy(text + n, pieces[i], l);
				n += l;
			}
		}
		check_key(text, n, random_cap());
	}
}

/* ---- real reasons ---------------------------------------------------------------------------- */

/* Every line of a log through the parser; the reasons of delivery and reject records through
 * check_key(). @return the number of reasons, and counts keys equal to `want` in *hits. */
static size_t check_log(const char *path, const char *want, size_t *hits)
{
	size_t len;
	char *buf = pft_test_read_file(path, &len);
	cr_assert_not_null(buf, "cannot read %s", path);
	size_t reasons = 0;
	char out[PFT_REASON_KEY_MAX];
	for (char *p = buf, *end = buf + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		struct pft_event ev;
		pft_parse_line(p, (size_t)(nl - p), &ev);
		if ((ev.kind == PFT_EV_DELIVERY || ev.kind == PFT_EV_REJECT) && ev.reason_text.n) {
			reasons++;
			check_key(ev.reason_text.p, ev.reason_text.n, PFT_REASON_KEY_MAX);
			size_t n = pft_reason_key(ev.reason_text.p, ev.reason_text.n, out, sizeof out);
			/* nothing of the line's own variables is left */
			cr_assert_null(memmem(out, n, "127.0.0.1", 9), "%.*s", (int)n, out);
			cr_assert_null(memchr(out, '@', n), "%.*s", (int)n, out);
			if (ev.new_qid.n)
				cr_assert_null(memmem(out, n, ev.new_qid.p, ev.new_qid.n), "%.*s",
					       (int)n, out);
			if (want != NULL && n == strlen(want) && memcmp(out, want, n) == 0)
				++*hits;
		}
		p = nl + 1;
	}
	free(buf);
	return reasons;
}

Test(reason, real_postfix_reasons)
{
	/* captured from Postfix 3.7 (corpus/real/README.md); the soft-failing sink defers every
	 * RCPT with "451 4.3.2 Mailbox busy" (grep -c counts 24 and 26 such deferrals), from
	 * sinks whose port varies per scenario */
	static const struct {
		const char *path;
		size_t busy;
	} logs[] = {
		{PFT_SOURCE_DIR "/corpus/real/short-qids/mail.log", 24},
		{PFT_SOURCE_DIR "/corpus/real/long-qids/mail.log", 26},
	};
	const char *busy = "host <host> said: 451 4.3.2 Mailbox busy, try again later (in reply "
			   "to RCPT TO command)";
	for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++) {
		size_t hits = 0;
		cr_assert_gt(check_log(logs[i].path, busy, &hits), 50, "%s", logs[i].path);
		cr_assert_eq(hits, logs[i].busy, "%s: %zu", logs[i].path, hits);
	}
}

Test(reason, third_party_messages)
{
	const char *dir = pft_test_corpus_ext();
	if (dir == NULL)
		cr_skip_test("no third-party corpus folder");
	/* grok-messages.log: whole Postfix messages (no syslog prefix), each a reason of sorts */
	char path[4200];
	snprintf(path, sizeof path, "%s/grok-messages.log", dir);
	size_t len;
	char *buf = pft_test_read_file(path, &len);
	cr_assert_not_null(buf);
	size_t lines = 0;
	for (char *p = buf, *end = buf + len; p < end; lines++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		check_key(p, (size_t)(nl - p), PFT_REASON_KEY_MAX);
		p = nl + 1;
	}
	free(buf);
	cr_assert_gt(lines, 150);
	/* a log with broken lines, through the parser */
	snprintf(path, sizeof path, "%s/malformed-and-mixed.log", dir);
	size_t hits = 0;
	(void)check_log(path, NULL, &hits);
}
