/* A part: everything one chunk of whole lines contributes, computed without knowing what
 * came before it (see agg.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "agg/agg_internal.h"
#include "common/hash.h"
#include "parse/parse.h"

#define SAMPLE_MAX_BYTES 256

size_t pft_message_key(const struct pft_event *ev, const struct pft_slice *qid, char *buf,
		       size_t size)
{
	size_t n = (size_t)ev->host.n + 1 + ev->instance.n + 1 + qid->n;
	if (n > size)
		return 0;
	char *p = buf;
	memcpy(p, ev->host.p, ev->host.n);
	p += ev->host.n;
	*p++ = '\0';
	memcpy(p, ev->instance.p, ev->instance.n);
	p += ev->instance.n;
	*p++ = '\0';
	memcpy(p, qid->p, qid->n);
	return n;
}

/* Whether key[0..len) is the message key of ev and qid, compared piece by piece: the key is
 * not built (see frag_of()). */
static inline int is_message_key(const char *key, size_t len, const struct pft_event *ev,
				 const struct pft_slice *qid)
{
	const size_t h = ev->host.n, i = ev->instance.n;
	return len == h + 1 + i + 1 + qid->n && memcmp(key, ev->host.p, h) == 0 && key[h] == '\0' &&
	       memcmp(key + h + 1, ev->instance.p, i) == 0 && key[h + 1 + i] == '\0' &&
	       memcmp(key + h + 2 + i, qid->p, qid->n) == 0;
}

size_t pft_hop_key(const struct pft_event *ev, const struct pft_slice *qid, char *buf,
		   size_t size)
{
	size_t n = (size_t)ev->host.n + 1 + qid->n;
	if (n > size)
		return 0;
	memcpy(buf, ev->host.p, ev->host.n);
	buf[ev->host.n] = '\0';
	memcpy(buf + ev->host.n + 1, qid->p, qid->n);
	return n;
}

static void part_init(struct pft_part *part, const struct pft_chunk *chunk, uint32_t stream,
		      const struct pft_filter *filter)
{
	memset(part, 0, sizeof *part);
	part->file_index = chunk->file_index;
	part->stream = stream;
	part->bytes = chunk->len;
	part->stored_end = chunk->stored_end;
	part->filter = filter;
	pft_agg_init(&part->agg);
	part->sink.agg = &part->agg;
	part->sink.filter = filter;
	pft_qid_table_init(&part->frags, sizeof(struct pft_frag));
	pft_strmap_init_arena(&part->hosts, sizeof(struct pft_host_line), &part->arena);
}

void pft_part_free(struct pft_part *part)
{
	if (part->hosts_owned) {
		PFT_STRMAP_FOREACH(&part->hosts, e)
		free((void *)((struct pft_host_line *)e->value)->line);
	}
	pft_strmap_free(&part->hosts);
	for (size_t i = 0; i < part->n_repeats; i++)
		free(part->repeats[i].host);
	free(part->repeats);
	for (size_t i = 0; i < part->n_reinjections; i++)
		free(part->reinjections[i].key);
	free(part->reinjections);
	pft_sink_free(&part->sink);
	pft_qid_table_free(&part->frags);
	pft_arena_free(&part->arena); /* lifecycles and host entries */
	pft_agg_free(&part->agg);
	for (size_t i = 0; i < part->n_samples; i++)
		free(part->samples[i].text);
	free(part->samples);
	memset(part, 0, sizeof *part);
}

/* The stamp of the line before (most lines repeat its civil time). Lives in one
 * pft_part_build call. */
struct line_cache {
	int valid;
	uint64_t head; /* struct pft_civil year..year_known, as read by civil_head() */
	int16_t utc_offset_min;
	uint32_t nsec;
	pft_stamp stamp;
};

static inline uint64_t civil_head(const struct pft_civil *c)
{
	/* year, month, day, hour, min, sec, year_known: the first 8 bytes, no padding */
	_Static_assert(offsetof(struct pft_civil, year_known) + 1 == 8, "civil head is 8 bytes");
	uint64_t h;
	memcpy(&h, c, sizeof h);
	return h;
}

static pft_stamp stamp_of(struct pft_part *part, const struct pft_event *ev,
			  struct line_cache *sc)
{
	const struct pft_civil *c = &ev->time;
	const uint64_t head = civil_head(c);
	/* An equal stamp again changes nothing: the year tracker steps by 0 and keeps the same
	 * position and civil stamp, and the min/max already hold it. */
	if (sc->valid && sc->head == head && sc->utc_offset_min == c->utc_offset_min &&
	    sc->nsec == c->nsec)
		return sc->stamp;
	uint32_t sec = (uint32_t)c->hour * 3600u + c->min * 60u + c->sec;
	pft_stamp s;
	if (c->year_known) {
		s = pft_stamp_make(0, 0, c->year, c->month, c->day, sec);
		if (part->abs_min == PFT_STAMP_NONE || s < part->abs_min)
			part->abs_min = s;
		if (s > part->abs_max)
			part->abs_max = s;
	} else {
		int32_t rel = pft_year_track_line(&part->year, c);
		s = pft_stamp_make(1, part->stream, rel, c->month, c->day, sec);
		if (part->rel_min == PFT_STAMP_NONE || s < part->rel_min)
			part->rel_min = s;
		if (s > part->rel_max)
			part->rel_max = s;
	}
	sc->valid = 1;
	sc->head = head;
	sc->utc_offset_min = c->utc_offset_min;
	sc->nsec = c->nsec;
	sc->stamp = s;
	return s;
}

static enum pft_status keep_sample(struct pft_part *part, enum pft_unrec_reason reason,
				   uint64_t line_index, const char *line, size_t len)
{
	if (part->per_reason[reason] >= PFT_SAMPLES_PER_REASON)
		return PFT_OK;
	struct pft_part_sample *grown =
		realloc(part->samples, (part->n_samples + 1) * sizeof *grown);
	if (grown == NULL)
		return PFT_ERR_NOMEM;
	part->samples = grown;
	size_t n = len < SAMPLE_MAX_BYTES ? len : SAMPLE_MAX_BYTES;
	char *text = malloc(n + 1);
	if (text == NULL)
		return PFT_ERR_NOMEM;
	memcpy(text, line, n);
	text[n] = '\0';
	part->samples[part->n_samples++] =
		(struct pft_part_sample){.reason = reason, .line_index = line_index, .text = text};
	part->per_reason[reason]++;
	return PFT_OK;
}

static int touches_lifecycle(const struct pft_event *ev)
{
	switch (ev->kind) {
	case PFT_EV_DELIVERY: case PFT_EV_QUEUED: case PFT_EV_EXPIRED: case PFT_EV_REMOVED:
	case PFT_EV_MESSAGE_ID: case PFT_EV_CLIENT: case PFT_EV_PICKUP:
		return ev->qid.n > 0;
	case PFT_EV_REJECT:
		return ev->qid.n > 0 && !ev->noqueue;
	default:
		return 0;
	}
}

/* The fragment of a message key, created when absent (NULL: key too long, or out of memory
 * with *status set). */
static struct pft_frag *frag_of(struct pft_part *part, const struct pft_event *ev,
				const struct pft_slice *qid, enum pft_status *status)
{
	*status = PFT_OK;
	/* Most records name the message of the record before: then the key need not be made. */
	const struct pft_strmap_entry *last = pft_qid_table_last(&part->frags);
	if (last != NULL && is_message_key(last->key, last->key_len, ev, qid))
		return last->value;
	char key[1024];
	size_t n = pft_message_key(ev, qid, key, sizeof key);
	if (n == 0)
		return NULL; /* absurd host/qid length: the line is still counted */
	struct pft_frag *f = pft_qid_table_upsert(&part->frags, key, n, pft_hash_bytes(key, n, 0));
	if (f == NULL)
		*status = PFT_ERR_NOMEM;
	return f;
}

static struct pft_life *new_life(struct pft_part *part)
{
	struct pft_life *life = pft_life_new(&part->arena);
	if (life != NULL && part->filter != NULL && part->filter->n_sender_domains > 0)
		life->flags |= PFT_LIFE_KEEP_FROM;
	return life;
}

/* pft_stamp_gap(), with a short way for two stamps of one day of one clock (most records
 * of a message): their gap is the difference of their seconds. */
static inline int64_t stamp_gap(pft_stamp a, pft_stamp b)
{
	if (a != PFT_STAMP_NONE && b != PFT_STAMP_NONE && ((a ^ b) >> 23) == 0)
		return (int64_t)pft_stamp_sec(b) - (int64_t)pft_stamp_sec(a);
	return pft_stamp_gap(a, b);
}

/* The slot of the lifecycle that a record at `when` continues: the head until it closes, then
 * the tail. One silent past the horizon is abandoned (counted now, as any that ends here) and
 * the record starts a new one. */
static enum pft_status open_target(struct pft_part *part, struct pft_frag *f, pft_stamp when,
				   struct pft_life ***out)
{
	struct pft_life **target =
		f->head == NULL || !(f->head->flags & PFT_LIFE_CLOSED) ? &f->head : &f->tail;
	if (*target != NULL && part->horizon > 0 &&
	    stamp_gap((*target)->last_at, when) > part->horizon) {
		pft_life_abandon(*target);
		PFT_TRY(pft_life_fold(&part->sink, *target, +1));
		if (target == &f->tail) {
			f->last_closed = f->tail;
			f->tail = NULL;
		}
		target = &f->tail;
	}
	*out = target;
	return PFT_OK;
}

/* Applies a lifecycle event to the chunk's fragment of its message (see agg.h). *life is the
 * lifecycle that took it (NULL if none), *decided whether its lifecycle filters are known. */
static enum pft_status apply_to_fragment(struct pft_part *part, const struct pft_event *ev,
					 pft_stamp when, struct pft_life **life, int *decided)
{
	*life = NULL;
	*decided = 0;
	enum pft_status status;
	struct pft_frag *f = frag_of(part, ev, &ev->qid, &status);
	if (f == NULL)
		return status;
	struct pft_life **target;
	PFT_TRY(open_target(part, f, when, &target));
	if (*target == NULL && ev->kind == PFT_EV_REMOVED && target == &f->tail) {
		/* `removed` with no open lifecycle: the previous one ended in this chunk. */
		part->agg.t.lines_orphan_removed++;
		return PFT_OK;
	}
	if (*target == NULL && (*target = new_life(part)) == NULL)
		return PFT_ERR_NOMEM;
	struct pft_life *l = *target;
	PFT_TRY(pft_life_apply(l, ev, when));
	/* A tail starts in this chunk: its lifecycle filters are decided by what it saw. A head
	 * may continue a lifecycle of an earlier chunk: only the merge can tell. */
	*decided = target == &f->tail && pft_life_decided(l, part->filter);
	if (*decided && pft_life_n_held(l) > 0) {
		/* Decided after it held attempts: count them now. */
		const int passes = pft_life_passes(l, part->filter);
		for (uint32_t i = 0; passes && i < pft_life_n_held(l); i++)
			PFT_TRY(pft_life_count_held(&part->sink, l, i));
		pft_life_clear_held(l);
	}
	*life = l;
	if (!(l->flags & PFT_LIFE_CLOSED))
		return PFT_OK;
	/* A lifecycle ended: count it here, on the worker. A tail started in this chunk, so it
	 * is whole; a head is counted as if it were (see struct pft_frag) and kept for the
	 * merge's check. */
	*life = NULL;
	PFT_TRY(pft_life_fold(&part->sink, l, +1));
	if (target == &f->tail) {
		f->last_closed = l; /* its memory goes with the part's arena */
		f->tail = NULL;
	}
	return PFT_OK;
}

/* A notification link names the lifecycle of NEWQID (see PFT_LINK_WINDOW). */
static enum pft_status link_fragment(struct pft_part *part, const struct pft_event *ev,
				     pft_stamp when)
{
	enum pft_status status;
	struct pft_frag *f = frag_of(part, ev, &ev->new_qid, &status);
	if (f == NULL)
		return status;
	struct pft_life **target;
	PFT_TRY(open_target(part, f, when, &target));
	if (*target == NULL) {
		if (target == &f->head) {
			f->head_link_first = 1; /* the merge links an earlier chunk's lifecycle */
		} else {
			/* None open: the one that just ended, and the next one. */
			struct pft_life *prev = f->last_closed ? f->last_closed : f->head;
			const int64_t gap = pft_stamp_gap(prev->ended_at, when);
			if (gap >= 0 && gap <= PFT_LINK_WINDOW)
				PFT_TRY(pft_life_relink(&part->sink, prev, ev->notify, when));
		}
		if ((*target = new_life(part)) == NULL)
			return PFT_ERR_NOMEM;
	}
	pft_life_link(*target, ev->notify, when);
	return PFT_OK;
}

/* The lifecycle open for ev's key in this chunk, if any (not created). */
static struct pft_life *find_open(struct pft_part *part, const struct pft_event *ev, int *decided)
{
	char key[1024];
	size_t n = pft_message_key(ev, &ev->qid, key, sizeof key);
	*decided = 0;
	if (n == 0)
		return NULL;
	struct pft_frag *f = pft_qid_table_find(&part->frags, key, n, pft_hash_bytes(key, n, 0));
	if (f == NULL)
		return NULL;
	if (f->head != NULL && !(f->head->flags & PFT_LIFE_CLOSED))
		return f->head;
	*decided = f->tail != NULL && pft_life_decided(f->tail, part->filter);
	return f->tail;
}

static enum pft_status count_program(struct pft_part *part, const struct pft_slice *program)
{
	for (unsigned i = 0; i < 4; i++) {
		struct program_cache *c = &part->programs[i];
		if (c->len == program->n && c->tag != NULL && pft_bytes_equal(c->tag, program->p, c->len)) {
			++*c->lines;
			return PFT_OK;
		}
	}
	uint64_t hash = pft_hash_bytes(program->p, program->n, 0);
	uint64_t *n = pft_strmap_upsert(&part->agg.programs, program->p, program->n, hash, NULL);
	if (n == NULL)
		return PFT_ERR_NOMEM;
	++*n;
	part->programs[part->programs_next++ % 4] = (struct program_cache){
		.tag = pft_strmap_key_of(&part->agg.programs, n), .len = program->n, .lines = n};
	return PFT_OK;
}

/* a[0..n) == b[0..n) for a host name: at most three loads each when n <= 16. */
static inline int host_equal(const char *a, const char *b, size_t n)
{
	if (n < 4) /* bytes 0, n/2 and n-1 are all of them */
		return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
	if (n < 8) {
		uint32_t a0, a1, b0, b1;
		memcpy(&a0, a, 4);
		memcpy(&b0, b, 4);
		memcpy(&a1, a + n - 4, 4);
		memcpy(&b1, b + n - 4, 4);
		return ((a0 ^ b0) | (a1 ^ b1)) == 0;
	}
	if (n <= 16) {
		uint64_t a0, a1, b0, b1;
		memcpy(&a0, a, 8);
		memcpy(&b0, b, 8);
		memcpy(&a1, a + n - 8, 8);
		memcpy(&b1, b + n - 8, 8);
		return ((a0 ^ b0) | (a1 ^ b1)) == 0;
	}
	return pft_bytes_equal(a, b, n);
}

/* note_host_line() for a host other than the last line's: the table. */
static enum pft_status note_new_host(struct pft_part *part, const struct pft_event *ev,
				     const char *line, size_t len, pft_stamp when)
{
	const uint64_t hash = pft_hash_bytes(ev->host.p, ev->host.n, 0);
	struct pft_host_line *h = pft_strmap_upsert(&part->hosts, ev->host.p, ev->host.n, hash, NULL);
	if (h == NULL)
		return PFT_ERR_NOMEM;
	part->host_last = h;
	part->host_last_key = pft_strmap_key_of(&part->hosts, h);
	part->host_last_len = ev->host.n;
	*h = (struct pft_host_line){.line = line, .len = (uint32_t)len, .when = when};
	return PFT_OK;
}

/* Remembers the last line of each host ("last message repeated" repeats it). Most lines
 * come from the host of the line before: one compare. */
static inline enum pft_status note_host_line(struct pft_part *part, const struct pft_event *ev,
					     const char *line, size_t len, pft_stamp when)
{
	if (part->host_last == NULL || part->host_last_len != ev->host.n ||
	    !host_equal(part->host_last_key, ev->host.p, ev->host.n))
		return note_new_host(part, ev, line, len, when);
	*part->host_last = (struct pft_host_line){.line = line, .len = (uint32_t)len, .when = when};
	return PFT_OK;
}

static int host_passes(const struct pft_filter *f, const struct pft_slice *host)
{
	if (f == NULL || f->n_hosts == 0)
		return 1;
	for (size_t i = 0; i < f->n_hosts; i++)
		if (strlen(f->hosts[i]) == host->n && memcmp(f->hosts[i], host->p, host->n) == 0)
			return 1;
	return 0;
}

/* smtpd "QID: client=" of a re-injection: from a loopback client, or with orig_queue_id=. */
static int is_reinjection(const struct pft_event *ev)
{
	if (ev->orig_qid.n > 0)
		return 1;
	const char *p = ev->client.p, *end = p + ev->client.n;
	while (p < end && *p != '[')
		p++;
	if (p == end)
		return 0;
	p++;
	const size_t n = (size_t)(end - p);
	if (n >= 5 && p[n - 1] == ']')
		return memcmp(p, "127.", 4) == 0 || memcmp(p, "::1]", 4) == 0 ||
		       (n >= 9 && memcmp(p, "IPv6:::1]", 9) == 0);
	return 0;
}

static enum pft_status note_reinjection(struct pft_part *part, const struct pft_event *ev,
					pft_stamp when)
{
	if (part->n_reinjections == part->cap_reinjections) {
		size_t cap = part->cap_reinjections ? part->cap_reinjections * 2 : 8;
		struct pft_part_reinjection *grown =
			realloc(part->reinjections, cap * sizeof *grown);
		if (grown == NULL)
			return PFT_ERR_NOMEM;
		part->reinjections = grown;
		part->cap_reinjections = cap;
	}
	const size_t n = (size_t)ev->host.n + 1 + ev->qid.n;
	char *key = malloc(n);
	if (key == NULL)
		return PFT_ERR_NOMEM;
	pft_hop_key(ev, &ev->qid, key, n);
	part->reinjections[part->n_reinjections++] =
		(struct pft_part_reinjection){.key = key, .key_len = (uint32_t)n, .at = when};
	return PFT_OK;
}

/* Counts an attempt of lifecycle `life` (NULL: none). Lifecycle filters decide now when the
 * lifecycle's start is known, else the lifecycle keeps the attempt for its fold. */
static enum pft_status count_attempt(struct pft_part *part, const struct pft_attempt *a,
				     struct pft_life *life, int decided)
{
	if (life == NULL || !pft_filter_lifecycle(part->filter))
		return pft_sink_count_attempt(&part->sink, a);
	if (!decided)
		return pft_life_hold(life, a);
	return pft_life_passes(life, part->filter) ? pft_sink_count_attempt(&part->sink, a) : PFT_OK;
}

/* Counts a Postfix record of a host that passes the filter. `repeat`: a line that "last
 * message repeated N times" repeats (ev->repeated = N): only counters and deferrals. */
static enum pft_status count_record(struct pft_part *part, const struct pft_event *ev,
				    pft_stamp when, int repeat)
{
	struct pft_agg *agg = pft_sink_at(&part->sink, when);
	if (part->sink.nomem)
		return PFT_ERR_NOMEM;
	const uint64_t times = ev->repeated > 0 ? ev->repeated : 1;
	if (agg != NULL && ev->action != PFT_ACTION_NONE) /* rejects and policy (agg_reasons.c) */
		PFT_TRY(pft_agg_count_reject(agg, ev));
	switch (ev->kind) {
	case PFT_EV_NOTIFICATION:
		if (agg != NULL)
			agg->t.notifications[ev->notify] += times;
		if (!repeat && ev->new_qid.n > 0)
			PFT_TRY(link_fragment(part, ev, when));
		return PFT_OK;
	case PFT_EV_REJECT:
		if (agg != NULL) {
			if (ev->noqueue || ev->qid.n == 0)
				agg->t.rejects_noqueue += times;
			else
				agg->t.rejects_with_queue_id += times;
		}
		break;
	case PFT_EV_CLIENT:
		if (!repeat && ev->qid.n > 0 && is_reinjection(ev))
			PFT_TRY(note_reinjection(part, ev, when));
		break;
	default:
		break;
	}
	struct pft_life *life = NULL;
	int decided = 0;
	if (repeat) {
		if (ev->kind != PFT_EV_DELIVERY)
			return PFT_OK;
		if ((life = find_open(part, ev, &decided)) != NULL)
			PFT_TRY(pft_life_apply(life, ev, when));
	} else if (touches_lifecycle(ev)) {
		PFT_TRY(apply_to_fragment(part, ev, when, &life, &decided));
	}
	if (ev->kind == PFT_EV_DELIVERY) {
		const struct pft_attempt attempt = pft_attempt_of(ev, when);
		/* reason samples in input order, whatever is held or folded later (agg_reasons.c) */
		PFT_TRY(pft_agg_see_attempt(&part->agg, &attempt));
		return count_attempt(part, &attempt, life, decided);
	}
	return PFT_OK;
}

/* "last message repeated N times": the host's line before it stands for N more. */
static enum pft_status repeat_previous(struct pft_part *part, const struct pft_event *ev)
{
	struct pft_host_line *h =
		pft_strmap_find(&part->hosts, ev->host.p, ev->host.n,
				pft_hash_bytes(ev->host.p, ev->host.n, 0));
	if (h == NULL) {
		/* The line is in an earlier chunk: the merge repeats it. */
		struct pft_part_repeat *grown =
			realloc(part->repeats, (part->n_repeats + 1) * sizeof *grown);
		if (grown == NULL)
			return PFT_ERR_NOMEM;
		part->repeats = grown;
		char *host = malloc(ev->host.n ? ev->host.n : 1);
		if (host == NULL)
			return PFT_ERR_NOMEM;
		memcpy(host, ev->host.p, ev->host.n);
		part->repeats[part->n_repeats++] =
			(struct pft_part_repeat){.host = host, .host_len = ev->host.n,
						 .times = ev->repeated};
		return PFT_OK;
	}
	struct pft_event prev;
	pft_parse_line(h->line, h->len, &prev);
	if (prev.kind == PFT_EV_MALFORMED || prev.kind == PFT_EV_OTHER_PROGRAM ||
	    prev.kind == PFT_EV_UNRECOGNIZED || prev.kind == PFT_EV_REPEAT_PREVIOUS)
		return PFT_OK;
	prev.repeated = ev->repeated;
	return count_record(part, &prev, h->when, 1);
}

static enum pft_status part_line(struct pft_part *part, const char *line, size_t len,
				 const struct pft_scan_index *ix, uint64_t line_index,
				 struct line_cache *sc)
{
	struct pft_totals *t = &part->agg.t;
	struct pft_event ev;
	pft_parse_line_scanned(line, len, ix, &ev);
	t->lines_total++;
	if (ev.kind == PFT_EV_MALFORMED) {
		t->lines_malformed++;
		t->unrecognized[ev.reason]++;
		return keep_sample(part, ev.reason, line_index, line, len);
	}
	if (ev.program.n > 0 || ev.kind != PFT_EV_REPEAT_PREVIOUS)
		PFT_TRY(count_program(part, &ev.program));
	if (ev.kind == PFT_EV_REPEAT_PREVIOUS) {
		t->lines_other_programs++; /* syslogd's own line */
		return host_passes(part->filter, &ev.host) ? repeat_previous(part, &ev) : PFT_OK;
	}
	if (ev.kind == PFT_EV_OTHER_PROGRAM) {
		t->lines_other_programs++;
		return note_host_line(part, &ev, line, len, PFT_STAMP_NONE);
	}
	t->lines_postfix++;
	pft_stamp when = stamp_of(part, &ev, sc);
	PFT_TRY(note_host_line(part, &ev, line, len, when));
	if (ev.kind == PFT_EV_UNRECOGNIZED) {
		t->lines_unrecognized++;
		t->unrecognized[ev.reason]++;
		return keep_sample(part, ev.reason, line_index, line, len);
	}
	if (!host_passes(part->filter, &ev.host))
		return PFT_OK;
	return count_record(part, &ev, when, 0);
}

/* The last line of each host outlives the chunk: the merge may need it for the next one. */
static enum pft_status keep_host_lines(struct pft_part *part)
{
	enum pft_status status = PFT_OK;
	PFT_STRMAP_FOREACH(&part->hosts, e)
	{
		struct pft_host_line *h = e->value;
		char *copy = status == PFT_OK ? malloc(h->len ? h->len : 1) : NULL;
		if (copy == NULL)
			status = PFT_ERR_NOMEM;
		else
			memcpy(copy, h->line, h->len);
		h->line = copy;
	}
	part->hosts_owned = 1;
	return status;
}

enum pft_status pft_part_build(struct pft_part *part, const struct pft_chunk *chunk,
			       uint32_t stream, const struct pft_limits *limits)
{
	part_init(part, chunk, stream, limits ? limits->filter : NULL);
	part->horizon = limits ? limits->horizon : 0;
	/* Stage 1 (masks of a window of the chunk) runs ahead of stage 2, line by line. */
	struct pft_scan_lines lines;
	pft_scan_lines_init(&lines, chunk->data, chunk->len, NULL);
	struct pft_scan_line line;
	uint64_t line_index = 0;
	enum pft_status status = PFT_OK;
	int got = 0;
	struct line_cache sc = {.valid = 0};
	while (status == PFT_OK && (got = pft_scan_lines_next(&lines, &line)) > 0)
		status = part_line(part, line.p, line.len, &line.ix, line_index++, &sc);
	pft_scan_lines_free(&lines);
	if (status == PFT_OK && got < 0)
		status = PFT_ERR_NOMEM;
	if (status == PFT_OK && part->sink.nomem)
		status = PFT_ERR_NOMEM;
	if (status == PFT_OK)
		status = keep_host_lines(part);
	part->lines = line_index;
	return status;
}
