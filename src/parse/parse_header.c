/* pftally — the syslog header: `STAMP HOST PROGRAM[PID]: TEXT` / `STAMP HOST PROGRAM: TEXT`,
 * and the classification of PROGRAM as a Postfix daemon.
 *
 * One pass from left to right; the stamp parsers live in src/time/stamp_parse.c. */
#include "parse/parse_internal.h"
#include "time/stamp_parse.h"

static int malformed(struct pft_event *ev, enum pft_unrec_reason why)
{
	ev->kind = PFT_EV_MALFORMED;
	ev->reason = why;
	return 0;
}

/* Solaris syslogd inserts a message ID tag: "postfix/smtp[1]: [ID 197553 mail.info] text". */
static const char *skip_solaris_id(const char *p, const char *end)
{
	if (!PFT_HAS(p, end, "[ID ") || end - p < 8)
		return p;
	const char *q = p + 4;
	const char *limit = end - p > 64 ? p + 64 : end;
	while (q < limit && *q != ']')
		q++;
	if (q + 1 < end && *q == ']' && q[1] == ' ')
		return q + 2;
	return p;
}

int pft_parse_header(const char *line, size_t len, struct pft_event *ev)
{
	memset(ev, 0, sizeof *ev);
	const char *p = line, *end = line + len;
	if (end > p && end[-1] == '\r')
		end--;
	if (p == end)
		return malformed(ev, PFT_UNREC_EMPTY);

	p = pft_time_parse_stamp(p, end, &ev->time);
	if (p == NULL)
		return malformed(ev, PFT_UNREC_BAD_TIMESTAMP);
	ev->has_time = 1;
	if (p == end)
		return malformed(ev, PFT_UNREC_BAD_HOST);
	if (*p != ' ')
		return malformed(ev, PFT_UNREC_BAD_TIMESTAMP); /* "00:00:001", "+01:00x" */
	while (p < end && *p == ' ')
		p++;

	const char *host = p;
	while (p < end && *p != ' ')
		p++;
	if (p == host)
		return malformed(ev, PFT_UNREC_BAD_HOST);
	if (p == end)
		return malformed(ev, PFT_UNREC_BAD_PROGRAM); /* "STAMP host" and nothing else */
	ev->host = pft_slice_of(host, p);
	while (p < end && *p == ' ')
		p++;

	/* PROGRAM up to '[' or ':'. Spaces end it: a tag has none. The first and last '/' give
	 * instance and service. */
	static const uint8_t tag_class[256] = {[' '] = 1, [':'] = 1, ['['] = 1, ['/'] = 2};
	const char *prog = p, *first_slash = NULL, *last_slash = NULL;
	for (; p < end; p++) {
		unsigned c = tag_class[(unsigned char)*p];
		if (c == 0)
			continue;
		if (c == 1)
			break;
		if (first_slash == NULL)
			first_slash = p;
		last_slash = p;
	}
	if (p == end || *p == ' ' || p == prog)
		return malformed(ev, PFT_UNREC_BAD_PROGRAM);
	const char *prog_end = p;

	if (*p == '[') {
		p++;
		uint64_t pid = 0;
		const char *digits = p;
		while (p < end && pft_is_digit(*p) && p - digits < 10) {
			pid = pid * 10 + (uint64_t)(*p - '0');
			p++;
		}
		if (p == end)
			return malformed(ev, PFT_UNREC_BAD_PROGRAM); /* "[12345" cut off */
		if (p == digits || *p != ']' || pid > UINT32_MAX)
			return malformed(ev, PFT_UNREC_BAD_PID);
		ev->pid = (uint32_t)pid;
		p++;
		if (p == end || *p != ':')
			return malformed(ev, PFT_UNREC_BAD_PROGRAM);
	}
	p++; /* the ':' */
	if (p < end && *p == ' ')
		p++;

	ev->program = pft_slice_of(prog, prog_end);
	if (first_slash != NULL) {
		ev->instance = pft_slice_of(prog, first_slash);
		ev->service = pft_slice_of(last_slash + 1, prog_end);
	} else {
		ev->service = ev->program;
	}
	p = skip_solaris_id(p, end);
	ev->text = pft_slice_of(p, end);
	return 1;
}

/* 1 when the tag names Postfix, with *svc its service (PFT_SVC_UNKNOWN for an unknown service
 * of a postfix* instance).
 *
 * Postfix always logs as "syslog_name/daemon" (mail_task(): "%s/%s"), so a tag without '/'
 * is never a Postfix daemon: "postfix1[1]: foo" or "postfix: foo" are other programs, even
 * though their name starts with "postfix". A tag with '/' is Postfix when its instance starts
 * with "postfix" (postfix, postfix-out, postfix2; then an unknown service is reported as
 * PFT_UNREC_UNKNOWN_SERVICE), or when its service is a Postfix daemon name (a syslog_name
 * that does not start with "postfix", e.g. "mail-out/smtp"). */
static int classify_program(const struct pft_event *ev, enum pft_service *svc)
{
	if (ev->program.n == ev->service.n) /* no '/' */
		return 0;
	*svc = pft_service_lookup(ev->service.p, ev->service.n);
	if (*svc != PFT_SVC_UNKNOWN)
		return 1;
	return ev->instance.n >= 7 && memcmp(ev->instance.p, "postfix", 7) == 0;
}

int pft_is_postfix_program(const struct pft_event *ev)
{
	enum pft_service svc;
	return classify_program(ev, &svc);
}

void pft_parse_line(const char *line, size_t len, struct pft_event *ev)
{
	if (!pft_parse_header(line, len, ev))
		return;
	enum pft_service svc = PFT_SVC_UNKNOWN;
	if (!classify_program(ev, &svc)) {
		ev->kind = PFT_EV_OTHER_PROGRAM;
		return;
	}
	if (svc == PFT_SVC_UNKNOWN) {
		pft_set_unrec(ev, PFT_UNREC_UNKNOWN_SERVICE);
		return;
	}
	pft_parse_record(ev, svc);
}
