/* pftally bench — a small deterministic Postfix log maker for the micro benchmarks and the
 * scan tests: message lifecycles (smtpd, cleanup, qmgr, smtp with sent/deferred/bounced,
 * bounce notifications, removed), NOQUEUE rejects and lines of other programs, with varying
 * queue ids, addresses and line lengths. Not the project's generator (tools/pftgen): no
 * ground truth, just realistic bytes. Header-only so that tests can use it too. */
#ifndef PFT_BENCH_GEN_H
#define PFT_BENCH_GEN_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pft_bench_gen {
	uint64_t rng;
	char *buf;
	size_t len, cap;
};

static inline uint64_t pft_bench_rand(struct pft_bench_gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

static inline unsigned pft_bench_below(struct pft_bench_gen *g, unsigned n)
{
	return (unsigned)(pft_bench_rand(g) % n);
}

static inline void pft_bench_put(struct pft_bench_gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void pft_bench_put(struct pft_bench_gen *g, const char *fmt, ...)
{
	if (g->cap - g->len < 4096) {
		g->cap = g->cap ? g->cap * 2 : 1 << 20;
		g->buf = realloc(g->buf, g->cap);
		if (g->buf == NULL)
			abort();
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(g->buf + g->len, g->cap - g->len, fmt, ap);
	va_end(ap);
	g->len += (size_t)n;
}

/*! pft_bench_gen_log() : about `bytes` bytes of log (whole lines) from seed; malloc'd, *len
 *  set. */
static inline char *pft_bench_gen_log(uint64_t seed, size_t bytes, size_t *len)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	static const char *const doms[] = {"example.com", "gmail.com", "example.org",
					   "mail.example.net", "outlook.com", "web.de",
					   "corp.example", "very-long-subdomain.mail.example.co.uk"};
	struct pft_bench_gen g = {.rng = seed * 0x9E3779B97F4A7C15ull + 1};
	uint64_t t = 0, qn = 0x1000000;
	unsigned pid = 1000;
	while (g.len < bytes) {
		t += pft_bench_below(&g, 3);
		qn += 1 + pft_bench_below(&g, 40);
		char stamp[32], qid[24], ip[32], client[96];
		unsigned day = (unsigned)(t / 86400), sec = (unsigned)(t % 86400);
		snprintf(stamp, sizeof stamp, "%s %2u %02u:%02u:%02u", mon[(day / 28) % 12],
			 day % 28 + 1, sec / 3600, sec / 60 % 60, sec % 60);
		snprintf(qid, sizeof qid, "%llX", (unsigned long long)(qn * 4099 % (1ull << 40)));
		snprintf(ip, sizeof ip, "%u.%u.%u.%u", 1 + pft_bench_below(&g, 223),
			 pft_bench_below(&g, 256), pft_bench_below(&g, 256), 1 + pft_bench_below(&g, 254));
		snprintf(client, sizeof client, "client%u.%s", pft_bench_below(&g, 9999),
			 doms[pft_bench_below(&g, 8)]);
		pft_bench_put(&g, "%s mx1 postfix/smtpd[%u]: connect from %s[%s]\n", stamp, pid, client, ip);
		if (pft_bench_below(&g, 100) < 15) {
			pft_bench_put(&g, "%s mx1 postfix/smtpd[%u]: NOQUEUE: reject: RCPT from %s[%s]: 554 "
				      "5.7.1 Service unavailable; Client host [%s] blocked using "
				      "zen.spamhaus.org; from=<spam@%s> to=<user@%s> proto=ESMTP "
				      "helo=<%s>\n", stamp, pid, client, ip, ip,
				      doms[pft_bench_below(&g, 8)], doms[pft_bench_below(&g, 8)], client);
			pft_bench_put(&g, "%s mx1 postfix/smtpd[%u]: disconnect from %s[%s] ehlo=1 mail=1 "
				      "rcpt=0/1 quit=1 commands=3/4\n", stamp, pid, client, ip);
		} else {
			unsigned nrcpt = pft_bench_below(&g, 10) < 8 ? 1 : 2 + pft_bench_below(&g, 3);
			pft_bench_put(&g, "%s mx1 postfix/smtpd[%u]: %s: client=%s[%s]\n", stamp, pid, qid,
				      client, ip);
			pft_bench_put(&g, "%s mx1 postfix/cleanup[%u]: %s: message-id=<%llx.%x@%s>\n", stamp,
				      pid + 1, qid, (unsigned long long)(pft_bench_rand(&g) >> 16),
				      pft_bench_below(&g, 1u << 30), client);
			pft_bench_put(&g, "%s mx1 postfix/qmgr[500]: %s: from=<user%u@%s>, size=%u, nrcpt=%u "
				      "(queue active)\n", stamp, qid, pft_bench_below(&g, 5000),
				      doms[pft_bench_below(&g, 8)], 500 + pft_bench_below(&g, 200000), nrcpt);
			pft_bench_put(&g, "%s mx1 postfix/smtpd[%u]: disconnect from %s[%s] ehlo=1 mail=1 "
				      "rcpt=1 data=1 quit=1 commands=5\n", stamp, pid, client, ip);
			for (unsigned r = 0; r < nrcpt; r++) {
				const char *d = doms[pft_bench_below(&g, 8)];
				unsigned user = pft_bench_below(&g, 100000), o = pft_bench_below(&g, 100);
				char relay[128];
				snprintf(relay, sizeof relay, "mx%u.%s[198.51.100.%u]:25",
					 1 + pft_bench_below(&g, 3), d, 1 + pft_bench_below(&g, 254));
				if (o < 10)
					pft_bench_put(&g, "%s mx1 postfix/smtp[%u]: %s: to=<rcpt%u@%s>, relay=%s, "
						      "delay=%u.%u, delays=0.1/0/0.3/0.2, dsn=4.7.1, "
						      "status=deferred (host mx.%s[198.51.100.7] said: 450 "
						      "4.7.1 Greylisted, please try again later (in reply "
						      "to RCPT TO command))\n", stamp, pid + 2, qid, user, d,
						      relay, pft_bench_below(&g, 10), pft_bench_below(&g, 10), d);
				if (o < 5) {
					pft_bench_put(&g, "%s mx1 postfix/smtp[%u]: %s: to=<rcpt%u@%s>, relay=%s, "
						      "delay=%u, delays=0.1/0/0.3/0.2, dsn=5.1.1, status=bounced "
						      "(host mx.%s[198.51.100.3] said: 550 5.1.1 <rcpt%u@%s>: "
						      "Recipient address rejected: User unknown in virtual "
						      "mailbox table (in reply to RCPT TO command))\n", stamp,
						      pid + 2, qid, user, d, relay, pft_bench_below(&g, 10), d,
						      user, d);
					pft_bench_put(&g, "%s mx1 postfix/bounce[%u]: %s: sender non-delivery "
						      "notification: %llX\n", stamp, pid + 3, qid,
						      (unsigned long long)((qn + 7) * 4099 % (1ull << 40)));
				} else {
					pft_bench_put(&g, "%s mx1 postfix/smtp[%u]: %s: to=<rcpt%u@%s>, relay=%s, "
						      "delay=%u.%02u, delays=0.1/0.01/0.3/0.2, dsn=2.0.0, "
						      "status=sent (250 2.0.0 OK 1700000000 %llx - gsmtp)\n",
						      stamp, pid + 2, qid, user, d, relay, pft_bench_below(&g, 5),
						      pft_bench_below(&g, 100),
						      (unsigned long long)(pft_bench_rand(&g) >> 20));
				}
			}
			pft_bench_put(&g, "%s mx1 postfix/qmgr[500]: %s: removed\n", stamp, qid);
		}
		if (pft_bench_below(&g, 100) < 20)
			pft_bench_put(&g, "%s mx1 dovecot: imap-login: Login: user=<u%u@example.com>, "
				      "method=PLAIN, rip=%s, lip=192.0.2.1, mpid=%u, TLS\n", stamp,
				      pft_bench_below(&g, 500), ip, pid);
		pid = 1000 + (pid + 7) % 30000;
	}
	*len = g.len;
	return g.buf;
}

#endif
