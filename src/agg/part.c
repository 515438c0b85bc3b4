/* A part: everything one chunk of whole lines contributes, computed without knowing what
 * came before it (see agg.h). */
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

static void part_init(struct pft_part *part, const struct pft_chunk *chunk, uint32_t stream)
{
	memset(part, 0, sizeof *part);
	part->file_index = chunk->file_index;
	part->stream = stream;
	part->bytes = chunk->len;
	part->stored_end = chunk->stored_end;
	pft_agg_init(&part->agg);
	pft_strmap_init_arena(&part->frags, sizeof(struct pft_frag), &part->arena);
}

void pft_part_free(struct pft_part *part)
{
	pft_strmap_free(&part->frags);
	pft_arena_free(&part->arena); /* the fragments and their lifecycles */
	pft_agg_free(&part->agg);
	for (size_t i = 0; i < part->n_samples; i++)
		free(part->samples[i].text);
	free(part->samples);
	memset(part, 0, sizeof *part);
}

static pft_stamp stamp_of(struct pft_part *part, const struct pft_event *ev)
{
	const struct pft_civil *c = &ev->time;
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

/* Applies a lifecycle event to the chunk's fragment of its message (see agg.h). */
static enum pft_status apply_to_fragment(struct pft_part *part, const struct pft_event *ev,
					 pft_stamp when)
{
	char key[1024];
	size_t n = pft_message_key(ev, &ev->qid, key, sizeof key);
	if (n == 0)
		return PFT_OK; /* absurd host/qid length: the line is still counted */
	struct pft_frag *f = pft_strmap_upsert(&part->frags, key, n, pft_hash_bytes(key, n, 0), NULL);
	if (f == NULL)
		return PFT_ERR_NOMEM;

	struct pft_life **target =
		f->head == NULL || !(f->head->flags & PFT_LIFE_CLOSED) ? &f->head : &f->tail;
	if (*target != NULL && part->horizon > 0 &&
	    pft_stamp_gap((*target)->last_at, when) > part->horizon) {
		/* Silent for longer than the horizon: that lifecycle is abandoned (counted now, as
		 * any that ends here) and this record starts a new one. */
		pft_life_abandon(*target);
		PFT_TRY(pft_life_fold(&part->agg, *target, +1));
		if (target == &f->tail)
			f->tail = NULL;
		target = &f->tail;
	}
	if (*target == NULL && ev->kind == PFT_EV_REMOVED && target == &f->tail) {
		/* `removed` with no open lifecycle: the previous one ended in this chunk. */
		part->agg.t.lines_orphan_removed++;
		return PFT_OK;
	}
	if (*target == NULL && (*target = pft_life_new(&part->arena)) == NULL)
		return PFT_ERR_NOMEM;
	PFT_TRY(pft_life_apply(*target, ev, when));
	if (!((*target)->flags & PFT_LIFE_CLOSED))
		return PFT_OK;
	/* A lifecycle ended: count it here, on the worker. A tail started in this chunk, so it
	 * is whole; a head is counted as if it were (see struct pft_frag) and kept for the
	 * merge's check. */
	PFT_TRY(pft_life_fold(&part->agg, *target, +1));
	if (target == &f->tail)
		f->tail = NULL; /* its memory goes with the part's arena */
	return PFT_OK;
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

static enum pft_status part_line(struct pft_part *part, const char *line, size_t len,
				 const struct pft_scan_index *ix, uint64_t line_index)
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
	PFT_TRY(count_program(part, &ev.program));
	if (ev.kind == PFT_EV_OTHER_PROGRAM) {
		t->lines_other_programs++;
		return PFT_OK;
	}
	t->lines_postfix++;
	pft_stamp when = stamp_of(part, &ev);
	switch (ev.kind) {
	case PFT_EV_UNRECOGNIZED:
		t->lines_unrecognized++;
		t->unrecognized[ev.reason]++;
		return keep_sample(part, ev.reason, line_index, line, len);
	case PFT_EV_DELIVERY:
	{
		struct pft_attempt attempt = pft_attempt_of(&ev, when);
		PFT_TRY(pft_agg_count_attempt(&part->agg, &attempt));
	}
		break;
	case PFT_EV_NOTIFICATION:
		t->notifications[ev.notify]++;
		break;
	case PFT_EV_REJECT:
		if (ev.noqueue || ev.qid.n == 0)
			t->rejects_noqueue++;
		else
			t->rejects_with_queue_id++;
		break;
	default:
		break;
	}
	if (touches_lifecycle(&ev))
		return apply_to_fragment(part, &ev, when);
	return PFT_OK;
}

enum pft_status pft_part_build(struct pft_part *part, const struct pft_chunk *chunk,
			       uint32_t stream, const struct pft_limits *limits)
{
	part_init(part, chunk, stream);
	part->horizon = limits ? limits->horizon : 0;
	/* Stage 1 (masks of a window of the chunk) runs ahead of stage 2, line by line. */
	struct pft_scan_lines lines;
	pft_scan_lines_init(&lines, chunk->data, chunk->len, NULL);
	struct pft_scan_line line;
	uint64_t line_index = 0;
	enum pft_status status = PFT_OK;
	int got = 0;
	while (status == PFT_OK && (got = pft_scan_lines_next(&lines, &line)) > 0)
		status = part_line(part, line.p, line.len, &line.ix, line_index++);
	pft_scan_lines_free(&lines);
	if (status == PFT_OK && got < 0)
		status = PFT_ERR_NOMEM;
	part->lines = line_index;
	return status;
}
