/* The ordered merge: parts in input order -> one result (see agg.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "agg/agg_internal.h"
#include "common/hash.h"
#include "common/utf8.h"

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

struct pft_merge {
	const struct pft_inputs *inputs;
	struct pft_agg agg;
	struct pft_strmap open;         /* message key -> struct pft_life * (open lifecycles) */
	struct stream_state *streams;
	uint64_t *file_lines, *file_bytes;
	struct merge_sample samples[PFT_UNREC_REASON_COUNT][PFT_SAMPLES_PER_REASON];
	uint8_t n_samples[PFT_UNREC_REASON_COUNT];
	pft_stamp abs_min, abs_max;
	struct pft_limits limits;
	size_t evict_at;                /* scan the open lifecycles when this many are open */
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
	pft_agg_init(&m->agg);
	pft_strmap_init(&m->open, sizeof(struct pft_life *));
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
	pft_agg_free(&m->agg);
	for (int r = 0; r < PFT_UNREC_REASON_COUNT; r++)
		for (int i = 0; i < m->n_samples[r]; i++)
			free(m->samples[r][i].text);
	free(m->streams);
	free(m->file_lines);
	free(m->file_bytes);
	free(m);
}

/* Stitches one key's fragment onto its open lifecycle. */
static enum pft_status merge_fragment(struct pft_merge *m, const struct pft_strmap_entry *e,
				      struct pft_frag *f, int32_t shift)
{
	struct pft_life **slot = pft_strmap_find(&m->open, e->key, e->key_len, e->hash);
	struct pft_life *open = slot ? *slot : NULL;
	struct pft_life *head = f->head;
	if (head != NULL && open != NULL && m->limits.horizon > 0) {
		pft_stamp first = pft_stamp_shift_year(head->first_at, shift);
		if (pft_stamp_gap(open->last_at, first) > m->limits.horizon) {
			/* Silent past the horizon before this chunk: abandoned, the head is new. */
			pft_life_abandon(open);
			PFT_TRY(pft_life_fold(&m->agg, open, +1));
			pft_life_free(open);
			open = NULL;
		}
	}
	if (head != NULL && open == NULL) {
		/* The usual case: nothing open before, so a head that ended was counted right
		 * by the worker; one still running becomes the open lifecycle. */
		if (!(head->flags & PFT_LIFE_CLOSED)) {
			pft_life_shift_years(head, shift);
			if ((open = pft_life_to_heap(head)) == NULL)
				return PFT_ERR_NOMEM;
		}
	} else if (head != NULL) {
		pft_life_shift_years(head, shift);
		if (head->flags & PFT_LIFE_CLOSED) /* take back the worker's count of it alone */
			PFT_TRY(pft_life_fold(&m->agg, head, -1));
		PFT_TRY(pft_life_append(open, head));
		if (open->flags & PFT_LIFE_CLOSED) {
			PFT_TRY(pft_life_fold(&m->agg, open, +1));
			pft_life_free(open);
			open = NULL;
		}
	}
	if (f->tail != NULL) {
		pft_life_shift_years(f->tail, shift);
		pft_life_free(open); /* NULL unless the part is inconsistent */
		if ((open = pft_life_to_heap(f->tail)) == NULL)
			return PFT_ERR_NOMEM;
	}
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
		status = pft_life_fold(&m->agg, v[i].life, +1);
		m->agg.t.msg_abandoned_by_cap += !silent;
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

enum pft_status pft_merge_part(struct pft_merge *m, struct pft_part *part)
{
	struct stream_state *st = &m->streams[part->stream];
	int32_t shift = pft_year_track_join(&st->year, &part->year);
	PFT_TRY(pft_agg_add(&m->agg, &part->agg, shift));
	PFT_STRMAP_FOREACH(&part->frags, e)
	PFT_TRY(merge_fragment(m, e, e->value, shift));
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

static int named_counts_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pft_named_counts *)a)->name,
		      ((const struct pft_named_counts *)b)->name);
}

static int named_number_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pft_named_number *)a)->name,
		      ((const struct pft_named_number *)b)->name);
}

static enum pft_status named_counts(const struct pft_strmap *map, struct pft_named_counts **out,
				    size_t *n_out)
{
	struct named *v;
	size_t n;
	*out = NULL;
	*n_out = 0;
	PFT_TRY(named_from(map, &v, &n));
	*out = calloc(n ? n : 1, sizeof **out);
	if (*out == NULL) {
		named_free(v, n);
		return PFT_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (*n_out > 0 && strcmp(v[i].shown, v[i - 1].shown) == 0) {
			pft_counts_add(&(*out)[*n_out - 1].counts, v[i].value);
			continue;
		}
		struct pft_named_counts *row = &(*out)[(*n_out)++];
		row->name = v[i].name;
		row->counts = *(const struct pft_counts *)v[i].value;
		v[i].name = NULL;
	}
	named_free(v, n);
	qsort(*out, *n_out, sizeof **out, named_counts_cmp);
	return PFT_OK;
}

static enum pft_status named_numbers(const struct pft_strmap *map, struct pft_named_number **out,
				     size_t *n_out)
{
	struct named *v;
	size_t n;
	*out = NULL;
	*n_out = 0;
	PFT_TRY(named_from(map, &v, &n));
	*out = calloc(n ? n : 1, sizeof **out);
	if (*out == NULL) {
		named_free(v, n);
		return PFT_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (*n_out > 0 && strcmp(v[i].shown, v[i - 1].shown) == 0) {
			(*out)[*n_out - 1].count += *(const uint64_t *)v[i].value;
			continue;
		}
		struct pft_named_number *row = &(*out)[(*n_out)++];
		row->name = v[i].name;
		row->count = *(const uint64_t *)v[i].value;
		v[i].name = NULL;
	}
	named_free(v, n);
	qsort(*out, *n_out, sizeof **out, named_number_cmp);
	return PFT_OK;
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
			status = pft_life_fold(&m->agg, life, +1);
	}
	out->totals = m->agg.t;
	if (status == PFT_OK)
		status = time_series(m, last_year, out);
	if (status == PFT_OK)
		status = named_counts(&m->agg.domains, &out->domains, &out->n_domains);
	if (status == PFT_OK)
		status = named_counts(&m->agg.relays, &out->relays, &out->n_relays);
	if (status == PFT_OK)
		status = named_numbers(&m->agg.programs, &out->programs, &out->n_programs);
	if (status == PFT_OK)
		status = dsn_table(&m->agg.dsn, out);
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
