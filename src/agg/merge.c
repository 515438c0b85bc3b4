/* The ordered merge: parts in input order -> one result (see agg.h). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "agg/agg_internal.h"
#include "common/hash.h"
#include "common/utf8.h"
#include "parse/parse.h"

struct stream_state {
	struct pft_year_track year;     /* stream-relative years */
	pft_stamp rel_min, rel_max;
	time_t newest_mtime;
	uint32_t first_file;
};

struct merge_sample {
	enum pft_unrec_reason reason;
	uint32_t file_index;
	uint64_t line;
	char *text;
};

/* Hand-offs and re-injections of one "host\0QID" (hops). */
struct hop_wait {
	pft_stamp at;
	uint64_t count;
};

struct hop_entry {
	pft_stamp *inj;                 /* re-injections of the key */
	uint32_t n_inj, cap_inj;
	struct hop_wait *wait;          /* hand-offs not matched yet */
	uint32_t n_wait, cap_wait;
	pft_stamp newest;
};

/* The last line of a syslog host, for "last message repeated N times". */
struct host_line {
	char *line;
	uint32_t len;
	pft_stamp when;
};

struct pft_merge {
	const struct pft_inputs *inputs;
	struct pft_agg agg;
	struct pft_sink sink;           /* agg, its time segments and the filter */
	struct pft_strmap open;         /* message key -> struct pft_life * (open lifecycles) */
	struct pft_strmap recent;       /* message key -> struct pft_life * closed, linkable */
	struct pft_strmap hops;         /* "host\0QID" -> struct hop_entry */
	struct pft_strmap host_lines;   /* syslog host -> struct host_line (its last line) */
	struct stream_state *streams;
	uint64_t *file_lines, *file_bytes;
	struct merge_sample samples[PFT_UNREC_REASON_COUNT][PFT_SAMPLES_PER_REASON];
	uint8_t n_samples[PFT_UNREC_REASON_COUNT];
	pft_stamp abs_min, abs_max;
	struct pft_limits limits;
	size_t evict_at;                /* scan the open lifecycles when this many are open */
	size_t evict_links_at;          /* scan recent and hops when they hold this many */
};

/* Silent lifecycles are evicted during the merge only when they are this much past the
 * horizon: the newest line of a stream can be a little ahead of a lagging host's clock. */
#define EVICT_MARGIN ((int64_t)86400)
#define EVICT_MIN_OPEN 4096

struct pft_merge *pft_merge_new(const struct pft_inputs *inputs, const struct pft_limits *limits)
{
	struct pft_merge *m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	m->inputs = inputs;
	if (limits != NULL)
		m->limits = *limits;
	m->evict_at = EVICT_MIN_OPEN;
	m->evict_links_at = EVICT_MIN_OPEN;
	pft_agg_init(&m->agg);
	m->sink.agg = &m->agg;
	m->sink.filter = m->limits.filter;
	pft_strmap_init(&m->open, sizeof(struct pft_life *));
	pft_strmap_init(&m->recent, sizeof(struct pft_life *));
	pft_strmap_init(&m->hops, sizeof(struct hop_entry));
	pft_strmap_init(&m->host_lines, sizeof(struct host_line));
	m->streams = calloc(inputs->n_streams ? inputs->n_streams : 1, sizeof *m->streams);
	m->file_lines = calloc(inputs->n_files ? inputs->n_files : 1, sizeof *m->file_lines);
	m->file_bytes = calloc(inputs->n_files ? inputs->n_files : 1, sizeof *m->file_bytes);
	if (m->streams == NULL || m->file_lines == NULL || m->file_bytes == NULL) {
		pft_merge_free(m);
		return NULL;
	}
	for (uint32_t s = 0; s < inputs->n_streams; s++)
		m->streams[s].first_file = UINT32_MAX;
	for (size_t i = 0; i < inputs->n_files; i++) {
		struct stream_state *st = &m->streams[inputs->files[i].stream];
		if (inputs->files[i].mtime > st->newest_mtime)
			st->newest_mtime = inputs->files[i].mtime;
		if (st->first_file == UINT32_MAX)
			st->first_file = (uint32_t)i;
	}
	return m;
}

static void hop_entry_free(struct hop_entry *h);

static void free_open(struct pft_merge *m)
{
	PFT_STRMAP_FOREACH(&m->open, e)
	pft_life_free(*(struct pft_life **)e->value);
	pft_strmap_free(&m->open);
}

void pft_merge_free(struct pft_merge *m)
{
	if (m == NULL)
		return;
	free_open(m);
	PFT_STRMAP_FOREACH(&m->recent, e)
	pft_life_free(*(struct pft_life **)e->value);
	pft_strmap_free(&m->recent);
	PFT_STRMAP_FOREACH(&m->hops, e)
	hop_entry_free(e->value);
	pft_strmap_free(&m->hops);
	PFT_STRMAP_FOREACH(&m->host_lines, e)
	free(((struct host_line *)e->value)->line);
	pft_strmap_free(&m->host_lines);
	pft_sink_free(&m->sink);
	pft_agg_free(&m->agg);
	for (int r = 0; r < PFT_UNREC_REASON_COUNT; r++)
		for (int i = 0; i < m->n_samples[r]; i++)
			free(m->samples[r][i].text);
	free(m->streams);
	free(m->file_lines);
	free(m->file_bytes);
	free(m);
}

/* ---- lifecycles that a late notification link may still name ------------------------------ */

/* Keeps a closed (and counted) lifecycle of key e that a link within PFT_LINK_WINDOW after
 * its end would make a notification. owned: closed is a heap lifecycle given to us. */
static enum pft_status keep_recent(struct pft_merge *m, const struct pft_strmap_entry *e,
				   struct pft_life *closed, int owned)
{
	if (!pft_life_linkable(closed)) {
		if (owned)
			pft_life_free(closed);
		return PFT_OK;
	}
	struct pft_life *copy = owned ? closed : pft_life_to_heap(closed);
	if (copy == NULL)
		return PFT_ERR_NOMEM;
	struct pft_life **slot = pft_strmap_upsert(&m->recent, e->key, e->key_len, e->hash, NULL);
	if (slot == NULL) {
		pft_life_free(copy);
		return PFT_ERR_NOMEM;
	}
	pft_life_free(*slot);
	*slot = copy;
	return PFT_OK;
}

static void drop_recent(struct pft_merge *m, const struct pft_strmap_entry *e)
{
	struct pft_life **slot = pft_strmap_find(&m->recent, e->key, e->key_len, e->hash);
	if (slot == NULL)
		return;
	pft_life_free(*slot);
	pft_strmap_remove(&m->recent, e->key, e->key_len, e->hash);
}

/* Stitches one key's fragment onto its open lifecycle. */
static enum pft_status merge_fragment(struct pft_merge *m, const struct pft_strmap_entry *e,
				      struct pft_frag *f, int32_t shift)
{
	struct pft_life **slot = pft_strmap_find(&m->open, e->key, e->key_len, e->hash);
	struct pft_life *open = slot ? *slot : NULL;
	struct pft_life *head = f->head;
	if (head != NULL)
		pft_life_shift_years(head, shift);
	if (f->last_closed != NULL)
		pft_life_shift_years(f->last_closed, shift);
	if (f->tail != NULL)
		pft_life_shift_years(f->tail, shift);
	if (head != NULL && open != NULL && m->limits.horizon > 0 &&
	    pft_stamp_gap(open->last_at, head->first_at) > m->limits.horizon) {
		/* Silent past the horizon before this chunk: abandoned, the head is new. */
		pft_life_abandon(open);
		PFT_TRY(pft_life_fold(&m->sink, open, +1));
		PFT_TRY(keep_recent(m, e, open, 1));
		open = NULL;
	}
	struct pft_life *closed = NULL; /* the last lifecycle of the key, if closed */
	int closed_owned = 0;
	if (head != NULL && open == NULL) {
		/* The usual case: nothing open before, so a head that ended was counted right
		 * by the worker; one still running becomes the open lifecycle. A link before
		 * anything else in the chunk also names the lifecycle that ended just before. */
		struct pft_life **recent = pft_strmap_find(&m->recent, e->key, e->key_len, e->hash);
		if (f->head_link_first && recent != NULL) {
			const int64_t gap = pft_stamp_gap((*recent)->ended_at, head->first_at);
			if (gap >= 0 && gap <= PFT_LINK_WINDOW)
				PFT_TRY(pft_life_relink(&m->sink, *recent, pft_life_notify_kind(head),
							head->first_at));
		}
		drop_recent(m, e);
		if (head->flags & PFT_LIFE_CLOSED)
			closed = head;
		else if ((open = pft_life_to_heap(head)) == NULL)
			return PFT_ERR_NOMEM;
	} else if (head != NULL) {
		if (head->flags & PFT_LIFE_CLOSED) /* take back the worker's count of it alone */
			PFT_TRY(pft_life_fold(&m->sink, head, -1));
		PFT_TRY(pft_life_append(open, head));
		if (open->flags & PFT_LIFE_CLOSED) {
			PFT_TRY(pft_life_fold(&m->sink, open, +1));
			closed = open;
			closed_owned = 1;
			open = NULL;
		}
	}
	if (f->last_closed != NULL) {
		if (closed_owned)
			pft_life_free(closed);
		closed = f->last_closed;
		closed_owned = 0;
	}
	if (f->tail != NULL) {
		if (closed_owned)
			pft_life_free(closed);
		closed = NULL;
		drop_recent(m, e);
		pft_life_free(open); /* NULL unless the part is inconsistent */
		if ((open = pft_life_to_heap(f->tail)) == NULL)
			return PFT_ERR_NOMEM;
	}
	if (closed != NULL)
		PFT_TRY(keep_recent(m, e, closed, closed_owned));
	if (open == NULL) {
		if (slot != NULL)
			pft_strmap_remove(&m->open, e->key, e->key_len, e->hash);
		return PFT_OK;
	}
	if (slot == NULL) {
		slot = pft_strmap_upsert(&m->open, e->key, e->key_len, e->hash, NULL);
		if (slot == NULL) {
			pft_life_free(open);
			return PFT_ERR_NOMEM;
		}
		/* A fresh slot: the key storage is the map's own. */
	}
	*slot = open;
	return PFT_OK;
}

/* ---- hops: hand-offs matched with re-injections on the same host -------------------------- */

static int within_window(pft_stamp a, pft_stamp b)
{
	if (a == PFT_STAMP_NONE || b == PFT_STAMP_NONE ||
	    pft_stamp_is_relative(a) != pft_stamp_is_relative(b) ||
	    (pft_stamp_is_relative(a) && pft_stamp_stream(a) != pft_stamp_stream(b)))
		return 0;
	const int64_t gap = pft_stamp_gap(a, b);
	return gap >= -PFT_LINK_WINDOW && gap <= PFT_LINK_WINDOW;
}

static void hop_entry_free(struct hop_entry *h)
{
	free(h->inj);
	free(h->wait);
}

static struct hop_entry *hop_entry_of(struct pft_merge *m, const char *key, size_t len)
{
	return pft_strmap_upsert(&m->hops, key, len, pft_hash_bytes(key, len, 0), NULL);
}

static enum pft_status count_hop(struct pft_merge *m, pft_stamp at, uint64_t count)
{
	struct pft_agg *agg = pft_sink_at(&m->sink, at);
	if (agg != NULL)
		agg->t.rcpt_hops += count;
	return m->sink.nomem ? PFT_ERR_NOMEM : PFT_OK;
}

static enum pft_status hop_handoff(struct pft_merge *m, const struct pft_hop_ev *ev)
{
	struct hop_entry *h = hop_entry_of(m, ev->key, ev->key_len);
	if (h == NULL)
		return PFT_ERR_NOMEM;
	if (ev->at > h->newest)
		h->newest = ev->at;
	for (uint32_t i = 0; i < h->n_inj; i++)
		if (within_window(h->inj[i], ev->at))
			return count_hop(m, ev->at, ev->count);
	if (h->n_wait == h->cap_wait) {
		uint32_t cap = h->cap_wait ? h->cap_wait * 2 : 2;
		struct hop_wait *grown = realloc(h->wait, cap * sizeof *grown);
		if (grown == NULL)
			return PFT_ERR_NOMEM;
		h->wait = grown;
		h->cap_wait = cap;
	}
	h->wait[h->n_wait++] = (struct hop_wait){.at = ev->at, .count = ev->count};
	return PFT_OK;
}

static enum pft_status hop_reinjection(struct pft_merge *m, const char *key, size_t len,
				       pft_stamp at)
{
	struct hop_entry *h = hop_entry_of(m, key, len);
	if (h == NULL)
		return PFT_ERR_NOMEM;
	if (at > h->newest)
		h->newest = at;
	if (h->n_inj == h->cap_inj) {
		uint32_t cap = h->cap_inj ? h->cap_inj * 2 : 2;
		pft_stamp *grown = realloc(h->inj, cap * sizeof *grown);
		if (grown == NULL)
			return PFT_ERR_NOMEM;
		h->inj = grown;
		h->cap_inj = cap;
	}
	h->inj[h->n_inj++] = at;
	uint32_t kept = 0;
	for (uint32_t i = 0; i < h->n_wait; i++) {
		if (within_window(at, h->wait[i].at))
			PFT_TRY(count_hop(m, h->wait[i].at, h->wait[i].count));
		else
			h->wait[kept++] = h->wait[i];
	}
	h->n_wait = kept;
	return PFT_OK;
}

/* Hand-offs counted by folds (the part's, shifted, or the merge's own). */
static enum pft_status drain_handoffs(struct pft_merge *m, struct pft_hop_list *l, int32_t shift)
{
	enum pft_status status = PFT_OK;
	for (size_t i = 0; status == PFT_OK && i < l->n; i++) {
		l->v[i].at = pft_stamp_shift_year(l->v[i].at, shift);
		status = hop_handoff(m, &l->v[i]);
	}
	pft_hop_list_free(l);
	return status;
}

/* ---- "last message repeated N times" at the start of a chunk ----------------------------- */

static enum pft_status repeat_from_earlier(struct pft_merge *m, const struct pft_part_repeat *r)
{
	const struct host_line *h = pft_strmap_find(&m->host_lines, r->host, r->host_len,
						    pft_hash_bytes(r->host, r->host_len, 0));
	if (h == NULL || h->line == NULL)
		return PFT_OK; /* the host's first line: nothing to repeat */
	struct pft_event ev;
	pft_parse_line(h->line, h->len, &ev);
	switch (ev.kind) {
	case PFT_EV_MALFORMED: case PFT_EV_OTHER_PROGRAM: case PFT_EV_UNRECOGNIZED:
	case PFT_EV_REPEAT_PREVIOUS:
		return PFT_OK;
	default:
		break;
	}
	ev.repeated = r->times;
	const uint64_t times = r->times;
	struct pft_agg *agg = pft_sink_at(&m->sink, h->when);
	if (m->sink.nomem)
		return PFT_ERR_NOMEM;
	if (agg != NULL && ev.action != PFT_ACTION_NONE)
		PFT_TRY(pft_agg_count_reject(agg, &ev));
	if (agg != NULL && ev.kind == PFT_EV_NOTIFICATION)
		agg->t.notifications[ev.notify] += times;
	if (agg != NULL && ev.kind == PFT_EV_REJECT) {
		if (ev.noqueue || ev.qid.n == 0)
			agg->t.rejects_noqueue += times;
		else
			agg->t.rejects_with_queue_id += times;
	}
	if (ev.kind != PFT_EV_DELIVERY)
		return PFT_OK;
	const struct pft_attempt attempt = pft_attempt_of(&ev, h->when);
	char key[1024];
	size_t n = ev.qid.n ? pft_message_key(&ev, &ev.qid, key, sizeof key) : 0;
	struct pft_life **slot = n ? pft_strmap_find(&m->open, key, n, pft_hash_bytes(key, n, 0)) : NULL;
	if (slot == NULL)
		return pft_sink_count_attempt(&m->sink, &attempt);
	PFT_TRY(pft_life_apply(*slot, &ev, h->when));
	if (pft_filter_lifecycle(m->sink.filter))
		return pft_life_hold(*slot, &attempt);
	return pft_sink_count_attempt(&m->sink, &attempt);
}

/* The part's last line of each host becomes the host's last line. */
static enum pft_status keep_host_lines(struct pft_merge *m, struct pft_part *part, int32_t shift)
{
	PFT_STRMAP_FOREACH(&part->hosts, e)
	{
		struct pft_host_line *p = e->value;
		struct host_line *h = pft_strmap_upsert(&m->host_lines, e->key, e->key_len, e->hash, NULL);
		if (h == NULL)
			return PFT_ERR_NOMEM;
		free(h->line);
		h->line = (char *)p->line; /* taken from the part */
		h->len = p->len;
		h->when = pft_stamp_shift_year(p->when, shift);
		p->line = NULL;
	}
	return PFT_OK;
}

/* The newest stamp seen on the clock of s (its stream, or the absolute clock). */
static pft_stamp clock_now(const struct pft_merge *m, pft_stamp s)
{
	return pft_stamp_is_relative(s) ? m->streams[pft_stamp_stream(s)].rel_max : m->abs_max;
}

struct silent {
	int64_t gap;            /* since its last record, on its clock */
	struct pft_life *life;
	const char *key;        /* the table's copy: stays valid until this entry is removed */
	uint32_t key_len;
	uint64_t hash;
};

static int by_gap_desc(const void *a, const void *b)
{
	const struct silent *x = a, *y = b;
	if (x->gap != y->gap)
		return x->gap < y->gap ? 1 : -1;
	return 0;
}

/* Abandons the open lifecycles silent for longer than `beyond` (0: none) and then, while more
 * than `keep` remain (0: no cap), the most silent ones. */
static enum pft_status abandon_silent(struct pft_merge *m, int64_t beyond, size_t keep)
{
	struct silent *v = malloc((m->open.count ? m->open.count : 1) * sizeof *v);
	if (v == NULL)
		return PFT_ERR_NOMEM;
	size_t n = 0;
	PFT_STRMAP_FOREACH(&m->open, e)
	{
		struct pft_life *life = *(struct pft_life **)e->value;
		v[n++] = (struct silent){.gap = pft_stamp_gap(life->last_at, clock_now(m, life->last_at)),
					 .life = life, .key = e->key, .key_len = e->key_len,
					 .hash = e->hash};
	}
	size_t cut = 0;
	if (keep > 0 && n > keep) {
		qsort(v, n, sizeof *v, by_gap_desc);
		cut = n - keep;
	}
	enum pft_status status = PFT_OK;
	for (size_t i = 0; i < n && status == PFT_OK; i++) {
		int silent = beyond > 0 && v[i].gap > beyond;
		if (!silent && i >= cut)
			continue;
		pft_life_abandon(v[i].life);
		status = pft_life_fold(&m->sink, v[i].life, +1);
		struct pft_agg *agg = pft_sink_at(&m->sink, v[i].life->content_at);
		if (agg != NULL && (v[i].life->flags & PFT_LIFE_CONTENT) &&
		    pft_life_passes(v[i].life, m->sink.filter))
			agg->t.msg_abandoned_by_cap += !silent;
		pft_life_free(v[i].life);
		pft_strmap_remove(&m->open, v[i].key, v[i].key_len, v[i].hash);
	}
	free(v);
	return status;
}

static void merge_samples(struct pft_merge *m, struct pft_part *part)
{
	for (size_t i = 0; i < part->n_samples; i++) {
		struct pft_part_sample *s = &part->samples[i];
		if (m->n_samples[s->reason] >= PFT_SAMPLES_PER_REASON)
			continue;
		m->samples[s->reason][m->n_samples[s->reason]++] = (struct merge_sample){
			.reason = s->reason,
			.file_index = part->file_index,
			.line = m->file_lines[part->file_index] + s->line_index + 1,
			.text = s->text,
		};
		s->text = NULL;
	}
}

/* Forgets closed lifecycles and hop keys that no link can name any more: silent for longer
 * than the window, with the same margin as the horizon's eviction (a stream's newest line can
 * be ahead of a lagging host's clock). Their counts are final already. */
static void evict_links(struct pft_merge *m)
{
	const int64_t beyond = PFT_LINK_WINDOW + EVICT_MARGIN;
	struct pft_strmap_entry *v = malloc((m->recent.count + m->hops.count + 1) * sizeof *v);
	if (v == NULL)
		return; /* only memory is at stake */
	size_t n = 0;
	PFT_STRMAP_FOREACH(&m->recent, e)
	{
		const struct pft_life *life = *(struct pft_life **)e->value;
		if (pft_stamp_gap(life->ended_at, clock_now(m, life->ended_at)) > beyond)
			v[n++] = *e;
	}
	for (size_t i = 0; i < n; i++) {
		pft_life_free(*(struct pft_life **)v[i].value);
		pft_strmap_remove(&m->recent, v[i].key, v[i].key_len, v[i].hash);
	}
	n = 0;
	PFT_STRMAP_FOREACH(&m->hops, e)
	{
		const struct hop_entry *h = e->value;
		if (pft_stamp_gap(h->newest, clock_now(m, h->newest)) > beyond)
			v[n++] = *e;
	}
	for (size_t i = 0; i < n; i++) {
		hop_entry_free(v[i].value);
		pft_strmap_remove(&m->hops, v[i].key, v[i].key_len, v[i].hash);
	}
	free(v);
}

/* A part's fragments were built on another thread, or long enough ago to have left the
 * cache: each costs a few misses (its entry, its lifecycles, its slots in the open and recent
 * maps). They are taken in batches, and the memory of a batch is prefetched in two rounds
 * before it is merged, so that the misses overlap. */
#define MERGE_BATCH 16

static enum pft_status merge_shard(struct pft_merge *m, struct pft_qid_table *frags, unsigned k,
				   int32_t shift)
{
	ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
	const struct pft_strmap_entry *batch[MERGE_BATCH];
	for (;;) {
		size_t n = 0;
		while (n < MERGE_BATCH && (batch[n] = pft_qid_shard_next(frags, k, &it)) != NULL)
			__builtin_prefetch(batch[n++]);
		for (size_t i = 0; i < n; i++) {
			const struct pft_frag *f = batch[i]->value;
			__builtin_prefetch(f->head);
			__builtin_prefetch(f->tail);
			pft_strmap_prefetch(&m->open, batch[i]->hash);
			pft_strmap_prefetch(&m->recent, batch[i]->hash);
		}
		for (size_t i = 0; i < n; i++)
			PFT_TRY(merge_fragment(m, batch[i], batch[i]->value, shift));
		if (n < MERGE_BATCH)
			return PFT_OK;
	}
}

enum pft_status pft_merge_part(struct pft_merge *m, struct pft_part *part)
{
	struct stream_state *st = &m->streams[part->stream];
	int32_t shift = pft_year_track_join(&st->year, &part->year);
	PFT_TRY(pft_agg_add(&m->agg, &part->agg, shift));
	for (size_t i = 0; i < part->sink.n_segs; i++) {
		const struct pft_seg *seg = part->sink.segs[i];
		struct pft_agg *dst =
			pft_sink_seg_agg(&m->sink, pft_stamp_shift_year(seg->key, shift));
		if (dst == NULL)
			return PFT_ERR_NOMEM;
		PFT_TRY(pft_agg_add(dst, &seg->agg, shift));
	}
	/* "last message repeated" at the chunk's start repeats an earlier chunk's line. */
	for (size_t i = 0; i < part->n_repeats; i++)
		PFT_TRY(repeat_from_earlier(m, &part->repeats[i]));
	for (size_t i = 0; i < part->n_reinjections; i++)
		PFT_TRY(hop_reinjection(m, part->reinjections[i].key, part->reinjections[i].key_len,
					pft_stamp_shift_year(part->reinjections[i].at, shift)));
	PFT_TRY(drain_handoffs(m, &part->sink.handoffs, shift));
	for (unsigned k = 0; k < PFT_QID_SHARDS; k++)
		PFT_TRY(merge_shard(m, &part->frags, k, shift));
	PFT_TRY(drain_handoffs(m, &m->sink.handoffs, 0));
	PFT_TRY(keep_host_lines(m, part, shift));
	merge_samples(m, part);
	m->file_lines[part->file_index] += part->lines;
	m->file_bytes[part->file_index] += part->bytes;
	if (part->rel_min != PFT_STAMP_NONE) {
		pft_stamp lo = pft_stamp_shift_year(part->rel_min, shift);
		pft_stamp hi = pft_stamp_shift_year(part->rel_max, shift);
		if (st->rel_min == PFT_STAMP_NONE || lo < st->rel_min)
			st->rel_min = lo;
		if (hi > st->rel_max)
			st->rel_max = hi;
	}
	if (part->abs_min != PFT_STAMP_NONE) {
		if (m->abs_min == PFT_STAMP_NONE || part->abs_min < m->abs_min)
			m->abs_min = part->abs_min;
		if (part->abs_max > m->abs_max)
			m->abs_max = part->abs_max;
	}
	/* Memory stays bounded when `removed` lines are missing: lifecycles silent well past the
	 * horizon are abandoned now rather than at their next record or the end (the count is
	 * the same), and --max-open-messages caps what stays open. */
	if (m->limits.max_open > 0 && m->open.count > m->limits.max_open)
		PFT_TRY(abandon_silent(m, m->limits.horizon ? m->limits.horizon + EVICT_MARGIN : 0,
				       m->limits.max_open));
	if (m->recent.count + m->hops.count >= m->evict_links_at) {
		evict_links(m);
		const size_t n = m->recent.count + m->hops.count;
		m->evict_links_at = n + n / 4 > EVICT_MIN_OPEN ? n + n / 4 : EVICT_MIN_OPEN;
	}
	if (m->limits.horizon > 0 && m->open.count >= m->evict_at) {
		PFT_TRY(abandon_silent(m, m->limits.horizon + EVICT_MARGIN, 0));
		m->evict_at = m->open.count + m->open.count / 4 > EVICT_MIN_OPEN
				      ? m->open.count + m->open.count / 4
				      : EVICT_MIN_OPEN;
	}
	return PFT_OK;
}

size_t pft_merge_open_count(const struct pft_merge *m)
{
	return m->open.count;
}

/* ---- finishing: resolve years, sort, build the result ----------------------------------- */

static pft_stamp resolve(const int32_t *last_year, const struct stream_state *streams, pft_stamp s)
{
	if (!pft_stamp_is_relative(s))
		return s;
	const struct stream_state *st = &streams[pft_stamp_stream(s)];
	/* last_year is the year of the stream's newest stamp, rel_max (see pft_merge_finish). */
	int32_t year = last_year[pft_stamp_stream(s)] -
		       (pft_stamp_year(st->rel_max) - pft_stamp_year(s));
	return pft_stamp_make(0, 0, year, pft_stamp_month(s), pft_stamp_day(s), pft_stamp_sec(s));
}

struct resolve_ctx {
	const int32_t *last_year;
	const struct stream_state *streams;
};

static pft_stamp resolve_with(const void *ctx, pft_stamp s)
{
	const struct resolve_ctx *c = ctx;
	return resolve(c->last_year, c->streams, s);
}

static struct pft_civil civil_of(pft_stamp s)
{
	uint32_t sec = pft_stamp_sec(s);
	return (struct pft_civil){.year = (int16_t)pft_stamp_year(s),
				  .month = (uint8_t)pft_stamp_month(s),
				  .day = (uint8_t)pft_stamp_day(s),
				  .hour = (uint8_t)(sec / 3600),
				  .min = (uint8_t)(sec / 60 % 60),
				  .sec = (uint8_t)(sec % 60),
				  .year_known = 1};
}

static int stamp_entry_cmp(const void *a, const void *b)
{
	pft_stamp x, y;
	memcpy(&x, ((const struct pft_strmap_entry *)a)->key, sizeof x);
	memcpy(&y, ((const struct pft_strmap_entry *)b)->key, sizeof y);
	return (x > y) - (x < y);
}

/* Builds a time series (name = strftime-like label of the bucket) from a map of absolute
 * stamps, ascending. */
static enum pft_status series_from(const struct pft_strmap *map, int daily,
				   struct pft_named_counts **out, size_t *n_out)
{
	struct pft_strmap_entry *sorted = malloc((map->count ? map->count : 1) * sizeof *sorted);
	*out = calloc(map->count ? map->count : 1, sizeof **out);
	if (sorted == NULL || *out == NULL) {
		free(sorted);
		return PFT_ERR_NOMEM;
	}
	size_t n = 0;
	PFT_STRMAP_FOREACH(map, e)
	sorted[n++] = *e;
	qsort(sorted, n, sizeof *sorted, stamp_entry_cmp);
	for (size_t i = 0; i < n; i++) {
		pft_stamp s;
		memcpy(&s, sorted[i].key, sizeof s);
		struct pft_civil c = civil_of(s);
		char name[32];
		if (daily)
			snprintf(name, sizeof name, "%04d-%02u-%02u", c.year, c.month, c.day);
		else
			snprintf(name, sizeof name, "%04d-%02u-%02uT%02u", c.year, c.month, c.day, c.hour);
		(*out)[i].name = strdup(name);
		(*out)[i].counts = *(const struct pft_counts *)sorted[i].value;
		if ((*out)[i].name == NULL) {
			free(sorted);
			*n_out = i;
			return PFT_ERR_NOMEM;
		}
	}
	*n_out = n;
	free(sorted);
	return PFT_OK;
}

static enum pft_status time_series(struct pft_merge *m, const int32_t *last_year,
				   struct pft_result *out)
{
	struct pft_strmap hours, days;
	pft_strmap_init(&hours, sizeof(struct pft_counts));
	pft_strmap_init(&days, sizeof(struct pft_counts));
	enum pft_status status = PFT_OK;
	PFT_STRMAP_FOREACH(&m->agg.hours, e)
	{
		pft_stamp s;
		memcpy(&s, e->key, sizeof s);
		s = resolve(last_year, m->streams, s);
		pft_stamp day = pft_stamp_day_of(s);
		struct pft_counts *h = pft_agg_counts(&hours, &s, sizeof s);
		struct pft_counts *d = pft_agg_counts(&days, &day, sizeof day);
		if (h == NULL || d == NULL) {
			status = PFT_ERR_NOMEM;
			break;
		}
		pft_counts_add(h, e->value);
		pft_counts_add(d, e->value);
	}
	if (status == PFT_OK)
		status = series_from(&hours, 0, &out->hours, &out->n_hours);
	if (status == PFT_OK)
		status = series_from(&days, 1, &out->days, &out->n_days);
	pft_strmap_free(&hours);
	pft_strmap_free(&days);
	return status;
}

/* ---- names from the log ------------------------------------------------------------------
 *
 * Domains, relays and program tags are log bytes. Two different keys must not become two
 * rows that a report shows under one name: a JSON reader keeps one of two equal keys (and
 * loses the other's counts), and a metrics scrape with a duplicate series fails. So:
 *   - a NUL byte (it would end the C string, and with it the name) becomes 0xFF, which every
 *     writer shows as U+FFFD like any byte that is not UTF-8;
 *   - keys that writers may show alike — they differ only in bytes that are not UTF-8 or in
 *     control characters, which writers replace by U+FFFD — are one row, under the first of
 *     their names in byte order, with their counts added. */

struct named {
	char *name;     /* NUL replaced */
	char *shown;    /* the name as writers may show it: every replaced character is 0xFF */
	const void *value;
};

static char *name_of_key(const char *key, size_t len)
{
	char *name = malloc(len + 1);
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		name[i] = key[i] != '\0' ? key[i] : (char)0xFF;
	name[len] = '\0';
	return name;
}

static char *shown_of_name(const char *name, size_t len)
{
	char *shown = malloc(len + 1);
	if (shown == NULL)
		return NULL;
	const unsigned char *p = (const unsigned char *)name;
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		const size_t cl = pft_utf8_len(p + i, len - i);
		const int control = cl == 1 ? (p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7F
					    : cl == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0;
		if (cl == 0 || control) {
			shown[n++] = (char)0xFF;
			i += cl ? cl : 1;
		} else {
			memcpy(shown + n, p + i, cl);
			n += cl;
			i += cl;
		}
	}
	shown[n] = '\0';
	return shown;
}

char *pft_agg_shown_name(const char *name, size_t len)
{
	return shown_of_name(name, len);
}

static int named_by_shown(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	const int c = strcmp(x->shown, y->shown);
	return c != 0 ? c : strcmp(x->name, y->name);
}

static void named_free(struct named *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].name);
		free(v[i].shown);
	}
	free(v);
}

/* The map's keys as names, grouped by how they are shown: *v (sorted by shown name, then
 * name) and *n_v. */
static enum pft_status named_from(const struct pft_strmap *map, struct named **v, size_t *n_v)
{
	*v = calloc(map->count ? map->count : 1, sizeof **v);
	*n_v = 0;
	if (*v == NULL)
		return PFT_ERR_NOMEM;
	PFT_STRMAP_FOREACH(map, e)
	{
		struct named *d = &(*v)[(*n_v)++];
		d->name = name_of_key(e->key, e->key_len);
		d->shown = d->name ? shown_of_name(d->name, e->key_len) : NULL;
		d->value = e->value;
		if (d->shown == NULL) {
			named_free(*v, *n_v);
			*v = NULL;
			return PFT_ERR_NOMEM;
		}
	}
	qsort(*v, *n_v, sizeof **v, named_by_shown);
	return PFT_OK;
}

/* Rows of a report table by name: a struct whose first member is `char *name`, then the
 * value (struct pft_named_counts, struct pft_named_number). */
struct named_rows {
	size_t row_size, value_offset, value_size;
	void (*add)(void *sum, const void *value); /* sum += value */
};

static int row_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_counts(void *sum, const void *value)
{
	pft_counts_add(sum, value);
}

static void add_number(void *sum, const void *value)
{
	*(uint64_t *)sum += *(const uint64_t *)value;
}

static const struct named_rows counts_rows = {
	sizeof(struct pft_named_counts), offsetof(struct pft_named_counts, counts),
	sizeof(struct pft_counts), add_counts};
static const struct named_rows number_rows = {
	sizeof(struct pft_named_number), offsetof(struct pft_named_number, count), sizeof(uint64_t),
	add_number};

/* The rows of map, one per shown name (names that show the same are summed), sorted by name:
 * @return a malloc'd array of *n_out rows, or NULL when out of memory. */
static void *named_table(const struct pft_strmap *map, const struct named_rows *kind,
			 size_t *n_out)
{
	struct named *v;
	size_t n;
	*n_out = 0;
	if (named_from(map, &v, &n) != PFT_OK)
		return NULL;
	char *rows = calloc(n ? n : 1, kind->row_size);
	if (rows == NULL) {
		named_free(v, n);
		return NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && strcmp(v[i].shown, v[i - 1].shown) == 0) {
			kind->add(rows + (k - 1) * kind->row_size + kind->value_offset, v[i].value);
			continue;
		}
		char *row = rows + k++ * kind->row_size;
		memcpy(row, &v[i].name, sizeof v[i].name);
		memcpy(row + kind->value_offset, v[i].value, kind->value_size);
		v[i].name = NULL;
	}
	named_free(v, n);
	qsort(rows, k, kind->row_size, row_name_cmp);
	*n_out = k;
	return rows;
}

static int dsn_cmp(const void *a, const void *b)
{
	const struct pft_dsn_count *x = a, *y = b;
	return (x->code > y->code) - (x->code < y->code);
}

static enum pft_status dsn_table(const struct pft_strmap *map, struct pft_result *out)
{
	out->dsn = calloc(map->count ? map->count : 1, sizeof *out->dsn);
	if (out->dsn == NULL)
		return PFT_ERR_NOMEM;
	PFT_STRMAP_FOREACH(map, e)
	{
		struct pft_dsn_count *d = &out->dsn[out->n_dsn++];
		memcpy(&d->code, e->key, sizeof d->code);
		d->attempts = *(const uint64_t *)e->value;
	}
	qsort(out->dsn, out->n_dsn, sizeof *out->dsn, dsn_cmp);
	return PFT_OK;
}

static void time_range(struct pft_merge *m, const int32_t *last_year, struct pft_result *out)
{
	pft_stamp lo = m->abs_min, hi = m->abs_max;
	for (uint32_t s = 0; s < m->inputs->n_streams; s++) {
		if (m->streams[s].rel_min == PFT_STAMP_NONE)
			continue;
		pft_stamp a = resolve(last_year, m->streams, m->streams[s].rel_min);
		pft_stamp b = resolve(last_year, m->streams, m->streams[s].rel_max);
		if (lo == PFT_STAMP_NONE || a < lo)
			lo = a;
		if (b > hi)
			hi = b;
	}
	if (lo == PFT_STAMP_NONE)
		return;
	out->has_time = 1;
	out->first = civil_of(lo);
	out->last = civil_of(hi);
}

/* Drops the cells whose counts are all zero: a fold taken back (a head joined to its start, a
 * late link under --exclude-notifications) can leave a key with nothing in it, which a run
 * cut elsewhere never made. value_size bytes per value, all uint64_t. */
static enum pft_status purge_zero(struct pft_strmap *map, size_t value_size)
{
	struct pft_strmap_entry *v = malloc((map->count ? map->count : 1) * sizeof *v);
	if (v == NULL)
		return PFT_ERR_NOMEM;
	size_t n = 0;
	PFT_STRMAP_FOREACH(map, e)
	{
		const uint64_t *c = e->value;
		size_t i = 0;
		while (i < value_size / sizeof *c && c[i] == 0)
			i++;
		if (i == value_size / sizeof *c)
			v[n++] = *e;
	}
	for (size_t i = 0; i < n; i++)
		pft_strmap_remove(map, v[i].key, v[i].key_len, v[i].hash);
	free(v);
	return PFT_OK;
}

enum pft_status pft_merge_finish(struct pft_merge *m, int32_t forced_year, struct pft_result *out,
				 struct pft_error *err)
{
	memset(out, 0, sizeof *out);
	const struct pft_inputs *in = m->inputs;
	int32_t *last_year = calloc(in->n_streams ? in->n_streams : 1, sizeof *last_year);
	if (last_year == NULL)
		return pft_error_set(err, PFT_ERR_NOMEM, 0, NULL, 0, NULL);
	for (uint32_t s = 0; s < in->n_streams; s++) {
		const struct stream_state *st = &m->streams[s];
		if (st->rel_max == PFT_STAMP_NONE)
			continue;
		/* The year comes from the stream's newest stamp, not from the rollover tracker's
		 * last line: when a chunk starts with a line that goes back across New Year
		 * (jitter), the joined tracker ends on that line rather than on the newer one
		 * before it, so its state depends on where the chunks were cut. The newest stamp
		 * is the same for every cut, and it is the line that the mtime rule is about. */
		const struct pft_civil newest = civil_of(st->rel_max);
		last_year[s] = pft_year_of_last(&newest, forced_year, st->newest_mtime);
		if (last_year[s] == 0) {
			free(last_year);
			const char *path = st->first_file != UINT32_MAX ? in->files[st->first_file].path : "";
			return pft_error_set(err, PFT_ERR_YEAR, 0, path, 0,
					     "syslog timestamps without a year and no file time to "
					     "infer it from: pass --year YYYY (the year of the newest line)");
		}
	}

	/* At the end, a lifecycle silent past the horizon is abandoned, not pending. */
	enum pft_status status = PFT_OK;
	if (m->limits.horizon > 0)
		status = abandon_silent(m, m->limits.horizon, 0);
	PFT_STRMAP_FOREACH(&m->open, e)
	{
		struct pft_life *life = *(struct pft_life **)e->value;
		if (status == PFT_OK && (life->flags & PFT_LIFE_CONTENT))
			status = pft_life_fold(&m->sink, life, +1);
	}
	if (status == PFT_OK)
		status = drain_handoffs(m, &m->sink.handoffs, 0);
	/* Time-filtered counts: the segments whose years turn out inside the bounds. */
	for (size_t i = 0; status == PFT_OK && i < m->sink.n_segs; i++) {
		const struct pft_seg *seg = m->sink.segs[i];
		const uint32_t s = pft_stamp_stream(seg->key);
		if (s >= in->n_streams || m->streams[s].rel_max == PFT_STAMP_NONE)
			continue;
		const int32_t year = last_year[s] - (pft_stamp_year(m->streams[s].rel_max) -
						     pft_stamp_year(seg->key));
		if (pft_sink_seg_in(m->sink.filter, seg->key, year))
			status = pft_agg_add(&m->agg, &seg->agg, 0);
	}
	if (status == PFT_OK && m->sink.nomem)
		status = PFT_ERR_NOMEM;
	if (status == PFT_OK)
		status = purge_zero(&m->agg.domains, sizeof(struct pft_counts));
	if (status == PFT_OK)
		status = purge_zero(&m->agg.relays, sizeof(struct pft_counts));
	if (status == PFT_OK)
		status = purge_zero(&m->agg.hours, sizeof(struct pft_counts));
	if (status == PFT_OK)
		status = purge_zero(&m->agg.dsn, sizeof(uint64_t));
	m->agg.last_hour_cell = NULL; /* may have been purged */
	if (m->sink.filter != NULL)
		out->filter = *m->sink.filter;
	out->totals = m->agg.t;
	if (status == PFT_OK)
		status = time_series(m, last_year, out);
	if (status == PFT_OK)
		status = (out->domains = named_table(&m->agg.domains, &counts_rows,
						     &out->n_domains)) ? PFT_OK : PFT_ERR_NOMEM;
	if (status == PFT_OK)
		status = (out->relays = named_table(&m->agg.relays, &counts_rows,
						    &out->n_relays)) ? PFT_OK : PFT_ERR_NOMEM;
	if (status == PFT_OK)
		status = pft_agg_series_export(&m->agg, resolve_with,
					       &(struct resolve_ctx){last_year, m->streams}, out);
	if (status == PFT_OK)
		status = (out->programs = named_table(&m->agg.programs, &number_rows,
						      &out->n_programs)) ? PFT_OK : PFT_ERR_NOMEM;
	if (status == PFT_OK)
		status = dsn_table(&m->agg.dsn, out);
	if (status == PFT_OK) /* reasons and reject codes (agg_reasons.c) */
		status = pft_agg_result_reasons(&m->agg, out);
	time_range(m, last_year, out);
	free(last_year);

	for (int r = 0; r < PFT_UNREC_REASON_COUNT; r++) {
		for (int i = 0; i < m->n_samples[r]; i++) {
			struct merge_sample *s = &m->samples[r][i];
			out->samples[r][i] = (struct pft_sample){
				.file_index = s->file_index, .line = s->line, .text = s->text};
			s->text = NULL;
		}
		out->n_samples[r] = m->n_samples[r];
	}
	out->files = calloc(in->n_files ? in->n_files : 1, sizeof *out->files);
	if (out->files == NULL)
		status = PFT_ERR_NOMEM;
	for (size_t i = 0; status == PFT_OK && i < in->n_files; i++) {
		out->files[i] = (struct pft_result_file){.path = strdup(in->files[i].path),
							 .format = pft_format_name(in->files[i].format),
							 .bytes = m->file_bytes[i],
							 .lines = m->file_lines[i]};
		out->n_files = i + 1;
	}
	if (status != PFT_OK)
		return pft_error_set(err, status, 0, NULL, 0, NULL);
	return PFT_OK;
}
