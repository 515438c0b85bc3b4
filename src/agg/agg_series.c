/* Hourly cells per domain and relay, and DSN codes per hour: counted per attempt, merged with
 * the year shift, exported sorted into the result (see agg_series.h). */
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "agg/agg_internal.h"
#include "agg/agg_series.h"
#include "common/hash.h"
#include "pftally/findings.h"
#include "pftally/result.h"

struct series_key {
	const void *name; /* the name's counts cell in the aggregate's map */
	pft_stamp hour;
};

struct series_cell {
	uint64_t attempts, sent, deferred, bounced;
	const char *name; /* the map's copy of the name (its key) */
	uint32_t name_len;
	uint8_t scope; /* PFT_SCOPE_DOMAIN or PFT_SCOPE_RELAY */
};

#define dsn_key pft_series_dsn_key
_Static_assert(sizeof(struct dsn_key) == 24, "no padding in a hashed key");

struct dsn_cell {
	uint64_t attempts;
	const char *name;
	uint32_t name_len;
	uint8_t scope;
};

void pft_agg_series_init(struct pft_agg_series *s)
{
	pft_strmap_init(&s->cells, sizeof(struct series_cell));
	pft_strmap_init(&s->dsn, sizeof(struct dsn_cell));
	memset(s->cache, 0, sizeof s->cache);
	memset(s->dsn_cache, 0, sizeof s->dsn_cache);
}

void pft_agg_series_free(struct pft_agg_series *s)
{
	pft_strmap_free(&s->cells);
	pft_strmap_free(&s->dsn);
	memset(s->cache, 0, sizeof s->cache);
	memset(s->dsn_cache, 0, sizeof s->dsn_cache);
}

static struct pft_strmap *names_of(struct pft_agg *agg, unsigned scope)
{
	return scope == PFT_SCOPE_DOMAIN ? &agg->domains : &agg->relays;
}

/* The cell of (name, hour) from the map, remembered in *slot: cell_of()'s miss. */
static __attribute__((noinline)) struct series_cell *
cell_from_map(struct pft_agg *agg, struct pft_series_cache *slot, const void *name,
              unsigned scope, size_t name_len, pft_stamp hour)
{
	const struct series_key key = {name, hour};
	int added;
	struct series_cell *c = pft_strmap_upsert(&agg->series.cells, &key, sizeof key,
	                                          pft_hash_bytes(&key, sizeof key, 0), &added);
	if (c == NULL)
		return NULL;
	if (added) {
		c->name = pft_strmap_key_of(names_of(agg, scope), name);
		c->name_len = (uint32_t)name_len;
		c->scope = (uint8_t)scope;
	}
	*slot = (struct pft_series_cache){name, hour, c};
	return c;
}

/* The cell of (name, hour): from the cache (most attempts go to a few names in the same
 * hour), else the map. Inline: a hit is a few instructions, less than a call. */
static inline struct series_cell *cell_of(struct pft_agg *agg, const void *name, unsigned scope,
                                          size_t name_len, pft_stamp hour)
{
	const uintptr_t p = (uintptr_t)name;
	struct pft_series_cache *slot = &agg->series.cache[(p >> 4 ^ p >> 11) % PFT_SERIES_CACHE];
	if (slot->name == name && slot->hour == hour)
		return slot->cell;
	return cell_from_map(agg, slot, name, scope, name_len, hour);
}

static enum pft_status dsn_add(struct pft_strmap *map, const struct dsn_key *key, const char *name,
                               uint32_t name_len, unsigned scope, uint64_t n)
{
	int added;
	struct dsn_cell *c =
	    pft_strmap_upsert(map, key, sizeof *key, pft_hash_bytes(key, sizeof *key, 0), &added);
	if (c == NULL)
		return PFT_ERR_NOMEM;
	if (added) {
		c->name = name;
		c->name_len = name_len;
		c->scope = (uint8_t)scope;
	}
	c->attempts += n;
	return PFT_OK;
}

/* dsn_add() behind a cache of the last cell of each name: a domain's deferrals tend to repeat
 * one code for hours. */
static enum pft_status dsn_count(struct pft_agg_series *s, const struct dsn_key *key,
                                 const char *name, uint32_t name_len, unsigned scope, uint64_t n)
{
	const uintptr_t p = (uintptr_t)key->name;
	struct pft_series_dsn_cache *slot = &s->dsn_cache[(p >> 4 ^ p >> 11) % PFT_SERIES_CACHE];
	if (slot->cell != NULL && memcmp(&slot->key, key, sizeof *key) == 0) {
		((struct dsn_cell *)slot->cell)->attempts += n;
		return PFT_OK;
	}
	int added;
	struct dsn_cell *c = pft_strmap_upsert(&s->dsn, key, sizeof *key,
	                                       pft_hash_bytes(key, sizeof *key, 0), &added);
	if (c == NULL)
		return PFT_ERR_NOMEM;
	if (added) {
		c->name = name;
		c->name_len = name_len;
		c->scope = (uint8_t)scope;
	}
	c->attempts += n;
	memcpy(&slot->key, key, sizeof *key);
	slot->cell = c;
	return PFT_OK;
}

static void cell_count(struct series_cell *c, enum pft_dstatus st, uint64_t times)
{
	c->attempts += times;
	c->sent += st == PFT_DS_SENT ? times : 0;
	c->deferred += st == PFT_DS_DEFERRED ? times : 0;
	c->bounced += st == PFT_DS_BOUNCED ? times : 0;
}

enum pft_status pft_agg_series_count(struct pft_agg *agg, const struct pft_attempt *a,
                                     enum pft_dstatus st, const struct pft_counts *by_domain,
                                     size_t domain_len, const struct pft_counts *by_relay)
{
	const pft_stamp hour = pft_stamp_hour(a->when);
	struct series_cell *d = cell_of(agg, by_domain, PFT_SCOPE_DOMAIN, domain_len, hour);
	struct series_cell *r = cell_of(agg, by_relay, PFT_SCOPE_RELAY, a->relay_host.n, hour);
	if (d == NULL || r == NULL)
		return PFT_ERR_NOMEM;
	cell_count(d, st, a->times);
	cell_count(r, st, a->times);
	if ((st != PFT_DS_DEFERRED && st != PFT_DS_BOUNCED) || a->dsn == 0)
		return PFT_OK;
	/* The server's codes are its domains' (every attempt has one): summed at export. */
	PFT_TRY(dsn_count(&agg->series, &(struct dsn_key){by_domain, hour, a->dsn, st}, d->name,
	                  d->name_len, PFT_SCOPE_DOMAIN, a->times));
	return dsn_count(&agg->series, &(struct dsn_key){by_relay, hour, a->dsn, st}, r->name,
	                 r->name_len, PFT_SCOPE_RELAY, a->times);
}

/* ---- merge ------------------------------------------------------------------------------- */

/* dst's counts cell of a name of src (the merge added src's names to dst before). */
struct name_memo {
	const char *src;
	const void *dst;
	const char *dst_name;
};

static const void *dst_name(struct pft_agg *dst, struct name_memo *memo, const char *name,
                            uint32_t len, unsigned scope)
{
	if (memo[scope].src == name)
		return memo[scope].dst;
	struct pft_strmap *map = names_of(dst, scope);
	const void *cell = pft_agg_counts(map, name, len);
	if (cell == NULL)
		return NULL;
	memo[scope] = (struct name_memo){name, cell, pft_strmap_key_of(map, cell)};
	return cell;
}

enum pft_status pft_agg_series_add(struct pft_agg *dst, const struct pft_agg *src,
                                   int32_t year_shift)
{
	struct name_memo memo[PFT_SCOPE_COUNT] = {{0}};
	PFT_STRMAP_FOREACH(&src->series.cells, e)
	{
		const struct series_cell *from = e->value;
		const struct series_key *k = (const void *)e->key;
		const void *name = dst_name(dst, memo, from->name, from->name_len, from->scope);
		if (name == NULL)
			return PFT_ERR_NOMEM;
		const struct series_key key = {name, pft_stamp_shift_year(k->hour, year_shift)};
		int added;
		struct series_cell *to =
		    pft_strmap_upsert(&dst->series.cells, &key, sizeof key,
		                      pft_hash_bytes(&key, sizeof key, 0), &added);
		if (to == NULL)
			return PFT_ERR_NOMEM;
		if (added) {
			to->name = memo[from->scope].dst_name;
			to->name_len = from->name_len;
			to->scope = from->scope;
		}
		to->attempts += from->attempts;
		to->sent += from->sent;
		to->deferred += from->deferred;
		to->bounced += from->bounced;
	}
	PFT_STRMAP_FOREACH(&src->series.dsn, e)
	{
		const struct dsn_cell *from = e->value;
		struct dsn_key key;
		memcpy(&key, e->key, sizeof key);
		key.hour = pft_stamp_shift_year(key.hour, year_shift);
		key.name = dst_name(dst, memo, from->name, from->name_len, from->scope);
		if (key.name == NULL)
			return PFT_ERR_NOMEM;
		PFT_TRY(dsn_add(&dst->series.dsn, &key, memo[from->scope].dst_name, from->name_len,
		                from->scope, from->attempts));
	}
	/* dst's cache points at dst's cells, which stay where they are: still valid. */
	return PFT_OK;
}

/* ---- export -------------------------------------------------------------------------------- */

static int64_t hour_number(pft_stamp s)
{
	return pft_days_from_civil(pft_stamp_year(s), pft_stamp_month(s), pft_stamp_day(s)) * 24 +
	       pft_stamp_sec(s) / 3600;
}

struct pft_civil pft_hour_civil(int64_t hour)
{
	/* civil_from_days (H. Hinnant), days since 1970-01-01. */
	int64_t days = hour >= 0 ? hour / 24 : -((-hour + 23) / 24);
	const unsigned h = (unsigned)(hour - days * 24);
	days += 719468;
	const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	const unsigned doe = (unsigned)(days - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	const unsigned d = doy - (153 * mp + 2) / 5 + 1;
	const unsigned m = mp < 10 ? mp + 3 : mp - 9;
	const int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
	return (struct pft_civil){.year = (int16_t)y,
	                          .month = (uint8_t)m,
	                          .day = (uint8_t)d,
	                          .hour = (uint8_t)h,
	                          .year_known = 1};
}

const char *pft_scope_name(enum pft_scope scope)
{
	static const char *const names[PFT_SCOPE_COUNT] = {"server", "domain", "relay"};
	return (unsigned)scope < PFT_SCOPE_COUNT ? names[scope] : "unknown";
}

const char *pft_finding_kind_name(enum pft_finding_kind kind)
{
	static const char *const names[PFT_FINDING_KIND_COUNT] = {"defer_rate", "bounce_spike"};
	return (unsigned)kind < PFT_FINDING_KIND_COUNT ? names[kind] : "unknown";
}

/* One exported cell or DSN count, before sorting and summing. */
struct row_cell {
	uint8_t scope;
	uint8_t status; /* DSN rows */
	uint32_t row;   /* index in out->domains / out->relays; 0 for the server */
	int64_t hour;
	pft_dsn code;  /* DSN rows */
	uint64_t v[4]; /* attempts, sent, deferred, bounced; DSN rows: v[0] */
};

static int row_cell_cmp(const void *a, const void *b)
{
	const struct row_cell *x = a, *y = b;
	if (x->scope != y->scope)
		return x->scope < y->scope ? -1 : 1;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	if (x->hour != y->hour)
		return x->hour < y->hour ? -1 : 1;
	if (x->status != y->status)
		return x->status < y->status ? -1 : 1;
	return (x->code > y->code) - (x->code < y->code);
}

static int named_cmp(const void *key, const void *row)
{
	return strcmp(key, ((const struct pft_named_counts *)row)->name);
}

/* The result row a name of the aggregate went to: rows are named as the merge names them
 * (NUL bytes as 0xFF), and names that writers would show alike are one row (merge.c). */
static int row_of(const struct pft_named_counts *rows, size_t n, const char *key, uint32_t len,
                  uint32_t *row)
{
	char *name = malloc((size_t)len + 1);
	if (name == NULL)
		return -1;
	for (uint32_t i = 0; i < len; i++)
		name[i] = key[i] != '\0' ? key[i] : (char)0xFF;
	name[len] = '\0';
	const struct pft_named_counts *hit = bsearch(name, rows, n, sizeof *rows, named_cmp);
	int found = hit != NULL;
	if (found) {
		*row = (uint32_t)(hit - rows);
	} else {
		char *shown = pft_agg_shown_name(name, len);
		for (size_t i = 0; shown != NULL && !found && i < n; i++) {
			char *other = pft_agg_shown_name(rows[i].name, strlen(rows[i].name));
			if (other != NULL && strcmp(other, shown) == 0) {
				*row = (uint32_t)i;
				found = 1;
			}
			free(other);
		}
		if (shown == NULL)
			found = -1;
		free(shown);
	}
	free(name);
	return found;
}

struct row_vec {
	struct row_cell *v;
	size_t n, cap;
};

static struct row_cell *row_push(struct row_vec *vec)
{
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 256;
		struct row_cell *v = realloc(vec->v, cap * sizeof *v);
		if (v == NULL)
			return NULL;
		vec->v = v;
		vec->cap = cap;
	}
	struct row_cell *c = &vec->v[vec->n++];
	memset(c, 0, sizeof *c);
	return c;
}

/* A row's place in the sort and one of its key fields as an unsigned number whose order is
 * the field's order. */
struct sort_item {
	uint64_t key;
	uint32_t at; /* index in the vector being sorted */
};

/* Stable LSD radix sort of v[0..n) by key, 8 bits a pass, only over the bytes that differ
 * between keys (most fields use 2 or 3 of their 8). tmp holds n items.
 * @return the array (v or tmp) that holds the sorted items. */
static struct sort_item *radix_sort(struct sort_item *v, struct sort_item *tmp, size_t n)
{
	uint64_t any = 0, all = ~0ull;
	for (size_t i = 0; i < n; i++) {
		any |= v[i].key;
		all &= v[i].key;
	}
	const uint64_t differ = any ^ all;
	for (unsigned shift = 0; shift < 64; shift += 8) {
		if (((differ >> shift) & 0xFF) == 0)
			continue;
		size_t at[256] = {0};
		for (size_t i = 0; i < n; i++)
			at[(v[i].key >> shift) & 0xFF]++;
		size_t sum = 0;
		for (unsigned b = 0; b < 256; b++) {
			const size_t k = at[b];
			at[b] = sum;
			sum += k;
		}
		for (size_t i = 0; i < n; i++)
			tmp[at[(v[i].key >> shift) & 0xFF]++] = v[i];
		struct sort_item *swap = v;
		v = tmp;
		tmp = swap;
	}
	return v;
}

/* The sort fields of a row, least significant first, in the order of row_cell_cmp(). */
enum { FIELD_CODE, FIELD_HOUR, FIELD_ROW, N_FIELDS };

static uint64_t field_of(const struct row_cell *c, int field)
{
	switch (field) {
	case FIELD_CODE: return (uint64_t)c->status << 32 | c->code;
	case FIELD_HOUR: return (uint64_t)c->hour ^ (1ull << 63); /* signed order as unsigned */
	default: return (uint64_t)c->scope << 32 | c->row;
	}
}

/* Sorts vec in row_cell_cmp() order: a radix sort by field, least significant first (a
 * stable sort per field), as qsort() with row_cell_cmp() cost several times more at export.
 * @return PFT_OK or PFT_ERR_NOMEM. */
static enum pft_status row_sort(struct row_vec *vec)
{
	const size_t n = vec->n;
	struct sort_item *items = malloc(2 * n * sizeof *items);
	struct row_cell *sorted = malloc(n * sizeof *sorted);
	if (items == NULL || sorted == NULL) {
		free(items);
		free(sorted);
		return PFT_ERR_NOMEM;
	}
	struct sort_item *v = items, *tmp = items + n;
	for (size_t i = 0; i < n; i++)
		v[i].at = (uint32_t)i;
	for (int field = FIELD_CODE; field < N_FIELDS; field++) {
		for (size_t i = 0; i < n; i++)
			v[i].key = field_of(&vec->v[v[i].at], field);
		struct sort_item *out = radix_sort(v, tmp, n);
		tmp = out == v ? tmp : v;
		v = out;
	}
	for (size_t i = 0; i < n; i++)
		sorted[i] = vec->v[v[i].at];
	free(items);
	free(vec->v);
	vec->v = sorted;
	vec->cap = n;
	return PFT_OK;
}

/* Sorts vec and sums rows with equal keys. @return PFT_OK or PFT_ERR_NOMEM. */
static enum pft_status row_sum(struct row_vec *vec)
{
	if (vec->n == 0)
		return PFT_OK;
	PFT_TRY(row_sort(vec));
	size_t m = 0;
	for (size_t i = 1; i < vec->n; i++) {
		if (row_cell_cmp(&vec->v[m], &vec->v[i]) == 0) {
			for (int k = 0; k < 4; k++)
				vec->v[m].v[k] += vec->v[i].v[k];
		} else {
			vec->v[++m] = vec->v[i];
		}
	}
	vec->n = m + 1;
	return PFT_OK;
}

/* The result row of a cell's name, found once per name: memo maps the address of the name
 * (the aggregate's copy, the same for all its cells) to it. */
struct row_memo {
	uint32_t row;
	int found; /* 1, or 0 for a name without a row (cannot happen) */
};

static int cell_row(const struct pft_result *out, struct pft_strmap *memo, unsigned scope,
                    const char *name, uint32_t len, uint32_t *row)
{
	int added;
	struct row_memo *m = pft_strmap_upsert(memo, &name, sizeof name,
	                                       pft_hash_bytes(&name, sizeof name, 0), &added);
	if (m == NULL)
		return -1;
	if (added) {
		const struct pft_named_counts *rows =
		    scope == PFT_SCOPE_DOMAIN ? out->domains : out->relays;
		size_t n = scope == PFT_SCOPE_DOMAIN ? out->n_domains : out->n_relays;
		m->found = row_of(rows, n, name, len, &m->row);
		if (m->found < 0) {
			m->found = 0;
			return -1;
		}
	}
	*row = m->row;
	return m->found;
}

/* Builds the series of scope from the sorted, summed cells and DSN rows. */
static enum pft_status build_scope(const struct row_vec *cells, const struct row_vec *dsn,
                                   unsigned scope, const struct pft_named_counts *rows,
                                   struct pft_scope_series **out, size_t *n_out)
{
	size_t n_series = 0;
	for (size_t i = 0; i < cells->n; i++)
		if (cells->v[i].scope == scope && (i == 0 || cells->v[i - 1].scope != scope ||
		                                   cells->v[i - 1].row != cells->v[i].row))
			n_series++;
	*out = calloc(n_series ? n_series : 1, sizeof **out);
	*n_out = 0;
	if (*out == NULL)
		return PFT_ERR_NOMEM;
	size_t i = 0, j = 0;
	while (i < cells->n && cells->v[i].scope < scope)
		i++;
	while (j < dsn->n && dsn->v[j].scope < scope)
		j++;
	while (i < cells->n && cells->v[i].scope == scope) {
		const uint32_t row = cells->v[i].row;
		size_t end = i;
		while (end < cells->n && cells->v[end].scope == scope && cells->v[end].row == row)
			end++;
		while (j < dsn->n && dsn->v[j].scope == scope && dsn->v[j].row < row)
			j++;
		size_t dend = j;
		while (dend < dsn->n && dsn->v[dend].scope == scope && dsn->v[dend].row == row)
			dend++;
		struct pft_scope_series *s = &(*out)[(*n_out)++];
		if (rows != NULL && (s->name = strdup(rows[row].name)) == NULL)
			return PFT_ERR_NOMEM;
		s->cells = malloc((end - i) * sizeof *s->cells);
		s->dsn = malloc((dend > j ? dend - j : 1) * sizeof *s->dsn);
		if (s->cells == NULL || s->dsn == NULL)
			return PFT_ERR_NOMEM;
		for (; i < end; i++) {
			const struct row_cell *c = &cells->v[i];
			s->cells[s->n_cells++] =
			    (struct pft_hour_cell){c->hour, c->v[0], c->v[1], c->v[2], c->v[3]};
		}
		for (; j < dend; j++) {
			const struct row_cell *c = &dsn->v[j];
			s->dsn[s->n_dsn++] =
			    (struct pft_hour_dsn){c->hour, c->code, c->status, c->v[0]};
		}
	}
	return PFT_OK;
}

enum pft_status pft_agg_series_export(const struct pft_agg *agg, pft_stamp_resolve_fn resolve,
                                      const void *ctx, struct pft_result *out)
{
	struct row_vec cells = {0}, dsn = {0};
	struct pft_strmap memo;
	pft_strmap_init(&memo, sizeof(struct row_memo));
	enum pft_status status = PFT_OK;
	PFT_STRMAP_FOREACH(&agg->hours, e)
	{
		pft_stamp s;
		memcpy(&s, e->key, sizeof s);
		const struct pft_counts *c = e->value;
		uint64_t attempts = 0;
		for (int k = 0; k < PFT_DS_COUNT; k++)
			attempts += c->attempts[k];
		if (s == PFT_STAMP_NONE || attempts == 0)
			continue;
		struct row_cell *r = row_push(&cells);
		if (r == NULL) {
			status = PFT_ERR_NOMEM;
			goto done;
		}
		*r = (struct row_cell){.scope = PFT_SCOPE_SERVER,
		                       .hour = hour_number(resolve(ctx, s)),
		                       .v = {attempts, c->attempts[PFT_DS_SENT],
		                             c->attempts[PFT_DS_DEFERRED],
		                             c->attempts[PFT_DS_BOUNCED]}};
	}
	PFT_STRMAP_FOREACH(&agg->series.cells, e)
	{
		const struct series_cell *c = e->value;
		const struct series_key *k = (const void *)e->key;
		/* A fold taken back (modular counts) may leave a cell at zero: no hour of data,
		 * and one that another split of the input would not have. */
		if (k->hour == PFT_STAMP_NONE || c->attempts == 0)
			continue;
		uint32_t row;
		int found = cell_row(out, &memo, c->scope, c->name, c->name_len, &row);
		if (found < 0) {
			status = PFT_ERR_NOMEM;
			goto done;
		}
		if (!found)
			continue; /* cannot happen: every name of a cell is a row */
		struct row_cell *r = row_push(&cells);
		if (r == NULL) {
			status = PFT_ERR_NOMEM;
			goto done;
		}
		*r = (struct row_cell){.scope = c->scope,
		                       .row = row,
		                       .hour = hour_number(resolve(ctx, k->hour)),
		                       .v = {c->attempts, c->sent, c->deferred, c->bounced}};
	}
	PFT_STRMAP_FOREACH(&agg->series.dsn, e)
	{
		const struct dsn_cell *c = e->value;
		struct dsn_key k;
		memcpy(&k, e->key, sizeof k);
		if (k.hour == PFT_STAMP_NONE || c->attempts == 0)
			continue;
		uint32_t row = 0;
		int found = cell_row(out, &memo, c->scope, c->name, c->name_len, &row);
		if (found < 0) {
			status = PFT_ERR_NOMEM;
			goto done;
		}
		if (!found)
			continue;
		const int64_t hour = hour_number(resolve(ctx, k.hour));
		/* a domain's codes count for the server too */
		for (int server = 0; server <= (c->scope == PFT_SCOPE_DOMAIN); server++) {
			struct row_cell *r = row_push(&dsn);
			if (r == NULL) {
				status = PFT_ERR_NOMEM;
				goto done;
			}
			*r = (struct row_cell){.scope = server ? PFT_SCOPE_SERVER : c->scope,
			                       .status = (uint8_t)k.status,
			                       .row = server ? 0 : row,
			                       .hour = hour,
			                       .code = k.code,
			                       .v = {c->attempts}};
		}
	}
	if ((status = row_sum(&cells)) != PFT_OK || (status = row_sum(&dsn)) != PFT_OK)
		goto done;
	struct pft_scope_series *server = NULL;
	size_t n_server = 0;
	status = build_scope(&cells, &dsn, PFT_SCOPE_SERVER, NULL, &server, &n_server);
	if (n_server > 0)
		out->series_server = server[0];
	free(server);
	if (status == PFT_OK)
		status = build_scope(&cells, &dsn, PFT_SCOPE_DOMAIN, out->domains,
		                     &out->series_domains, &out->n_series_domains);
	if (status == PFT_OK)
		status = build_scope(&cells, &dsn, PFT_SCOPE_RELAY, out->relays,
		                     &out->series_relays, &out->n_series_relays);
done:
	pft_strmap_free(&memo);
	free(cells.v);
	free(dsn.v);
	return status;
}

/* ---- free ---------------------------------------------------------------------------------- */

static void series_free(struct pft_scope_series *s)
{
	free(s->name);
	free(s->cells);
	free(s->dsn);
}

void pft_result_free_series(struct pft_result *r)
{
	series_free(&r->series_server);
	for (size_t i = 0; i < r->n_series_domains; i++)
		series_free(&r->series_domains[i]);
	free(r->series_domains);
	for (size_t i = 0; i < r->n_series_relays; i++)
		series_free(&r->series_relays[i]);
	free(r->series_relays);
	for (size_t i = 0; i < r->n_findings; i++) {
		free(r->findings[i].name);
		for (int k = 0; k < r->findings[i].n_top_reasons; k++)
			free(r->findings[i].top_reasons[k].key);
	}
	free(r->findings);
}
