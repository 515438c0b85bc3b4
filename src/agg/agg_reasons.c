/* Reasons and rejects: deferral, bounce and reject reasons by normalised key (per status,
 * recipient domain and DSN code, each key with the first raw reason as a sample), and
 * reject-like and policy records by action, stage, source daemon and reply code.
 *
 * Samples: a delivery's reason is "seen" where its line is read (pft_agg_see_attempt: the cells
 * are made, with the raw text as sample, count 0), before any filter holds the attempt for its
 * lifecycle or the merge folds it or takes a fold back; parts merge in input order and keep
 * the first sample, so each key's sample is its first raw reason in input order however the
 * input was cut. Cells that stay at count 0 (seen, never counted) are not reported.
 *
 * Cost: the key (pft_reason_key) is needed once per reasoned record, not per line, and raw
 * reason -> key is cached (a small direct-mapped cache per aggregate); the count that follows
 * a see reuses its cells.
 *
 * Memory: a part keeps every key of its chunk. The merged aggregate admits keys in input
 * order up to PFT_REASON_CAP_* per map; the counts of keys past the cap go to their group's
 * overflow entry, reported as "other". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "agg/agg_internal.h"
#include "common/hash.h"
#include "parse/reason.h"

#define KEY_MAX PFT_REASON_KEY_MAX
#define OVERFLOW 0xFFu          /* status byte of a group's overflow entry */

enum { MAP_STATUS = 0, MAP_DOMAIN, MAP_DSN, N_MAPS };

static const size_t map_cap[N_MAPS] = {PFT_REASON_CAP_STATUS, PFT_REASON_CAP_DOMAIN,
				       PFT_REASON_CAP_DSN};

/* Raw reason -> key, direct-mapped by the hash of the raw text: the same raw reason comes back
 * often (one dead MX defers every message to its domain with the same words) and a key costs
 * more than a hash and a compare. About half the reasons of a busy log are seen again within
 * a chunk; most others hold a one-off ID and miss however large the cache. */
#define CACHE_SLOTS 256
#define SLOT_MAX 256            /* a raw reason or key longer than this is not cached */
struct reason_slot {
	uint64_t raw_hash, key_hash;
	uint32_t raw_len;       /* UINT32_MAX: empty */
	uint32_t key_len;
	char raw[SLOT_MAX];
	char key[SLOT_MAX];
};

struct pft_reason_cache {
	char scratch[KEY_MAX];  /* the key of a reason the cache does not keep */
	struct reason_slot slots[CACHE_SLOTS];
};

struct reason_key {
	const char *p;
	uint32_t n;
	uint64_t hash;          /* of the key bytes; map hashes continue from it */
};

static struct pft_strmap *map_of(struct pft_agg *agg, int m)
{
	return m == MAP_STATUS ? &agg->reasons_status
	       : m == MAP_DOMAIN ? &agg->reasons_domain
				 : &agg->reasons_dsn;
}

static const struct pft_strmap *map_of_const(const struct pft_agg *agg, int m)
{
	return m == MAP_STATUS ? &agg->reasons_status
	       : m == MAP_DOMAIN ? &agg->reasons_domain
				 : &agg->reasons_dsn;
}

void pft_agg_reasons_init(struct pft_agg *agg)
{
	pft_strmap_init(&agg->reasons_status, sizeof(struct pft_reason_cell));
	pft_strmap_init(&agg->reasons_domain, sizeof(struct pft_reason_cell));
	pft_strmap_init(&agg->reasons_dsn, sizeof(struct pft_reason_cell));
	pft_strmap_init(&agg->reject_codes, sizeof(uint64_t));
	memset(agg->reasons_admitted, 0, sizeof agg->reasons_admitted);
	memset(&agg->reason_seen, 0, sizeof agg->reason_seen);
	agg->reasons_capped = 0;
	agg->reason_seq = 0;
	agg->reason_cache = NULL;
}

void pft_agg_reasons_free(struct pft_agg *agg)
{
	for (int m = 0; m < N_MAPS; m++) {
		struct pft_strmap *map = map_of(agg, m);
		PFT_STRMAP_FOREACH(map, e)
		free(((struct pft_reason_cell *)e->value)->sample);
		pft_strmap_free(map);
	}
	pft_strmap_free(&agg->reject_codes);
	free(agg->reason_cache);
	agg->reason_cache = NULL;
}

/* ---- counting ------------------------------------------------------------------------------ */

/* The key of a raw reason, from the cache when it was seen lately. */
static int key_of(struct pft_agg *agg, struct pft_slice raw, struct reason_key *out)
{
	struct pft_reason_cache *c = agg->reason_cache;
	if (c == NULL) {
		if ((c = agg->reason_cache = malloc(sizeof *c)) == NULL)
			return 0;
		for (size_t i = 0; i < CACHE_SLOTS; i++)
			c->slots[i].raw_len = UINT32_MAX; /* matches nothing */
	}
	const uint64_t raw_hash = pft_hash_bytes(raw.p, raw.n, 0);
	struct reason_slot *slot = &c->slots[raw_hash % CACHE_SLOTS];
	if (slot->raw_len == raw.n && slot->raw_hash == raw_hash &&
	    (raw.n == 0 || pft_bytes_equal(slot->raw, raw.p, raw.n))) {
		*out = (struct reason_key){slot->key, slot->key_len, slot->key_hash};
		return 1;
	}
	size_t n = raw.n ? pft_reason_key(raw.p, raw.n, c->scratch, sizeof c->scratch) : 0;
	if (n > sizeof c->scratch)
		n = sizeof c->scratch;
	const uint64_t key_hash = pft_hash_bytes(c->scratch, n, 0);
	if (raw.n > SLOT_MAX || n > SLOT_MAX) {
		*out = (struct reason_key){c->scratch, (uint32_t)n, key_hash};
		return 1;
	}
	if (raw.n > 0)
		memcpy(slot->raw, raw.p, raw.n);
	if (n > 0)
		memcpy(slot->key, c->scratch, n);
	slot->raw_len = raw.n;
	slot->raw_hash = raw_hash;
	slot->key_len = (uint32_t)n;
	slot->key_hash = key_hash;
	*out = (struct reason_key){slot->key, slot->key_len, slot->key_hash};
	return 1;
}

/* A malloc'd copy of raw cut at PFT_REASON_SAMPLE_MAX bytes, not inside a UTF-8 sequence; a
 * NUL byte becomes 0xFF (shown as U+FFFD) so that the copy is one C string. */
static char *sample_of(struct pft_slice raw)
{
	size_t n = raw.n;
	if (n > PFT_REASON_SAMPLE_MAX) {
		n = PFT_REASON_SAMPLE_MAX;
		/* raw.p[n] is the first byte cut: a continuation byte means the cut splits a
		 * sequence (at most 4 bytes long), which then goes whole. */
		for (int i = 0; i < 3 && n > 0 && ((unsigned char)raw.p[n] & 0xC0) == 0x80; i++)
			n--;
	}
	char *text = malloc(n + 1);
	if (text == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		text[i] = raw.p[i] != '\0' ? raw.p[i] : (char)0xFF;
	text[n] = '\0';
	return text;
}

static enum pft_status add_overflow(struct pft_strmap *map, int m, const char *key,
				    uint64_t count);

/* Counts under prefix + status + key in map m; *out (if non-NULL) is the cell, or NULL when
 * the count went to the overflow entry. */
static enum pft_status count_in(struct pft_agg *agg, int m, const void *prefix, size_t plen,
				uint8_t status, const struct reason_key *k, struct pft_slice raw,
				uint64_t times, struct pft_reason_cell **out)
{
	char buf[2 + 256 + 1 + KEY_MAX];
	size_t n = 0;
	memcpy(buf, prefix, plen);
	n += plen;
	buf[n++] = (char)status;
	uint64_t hash = pft_hash_bytes(buf, n, k->hash);
	if (k->n > 0)
		memcpy(buf + n, k->p, k->n);
	n += k->n;
	struct pft_strmap *map = map_of(agg, m);
	if (out != NULL)
		*out = NULL;
	if (agg->reasons_capped && agg->reasons_admitted[m] >= map_cap[m] &&
	    pft_strmap_find(map, buf, n, hash) == NULL)
		return add_overflow(map, m, buf, times);
	int added = 0;
	struct pft_reason_cell *cell = pft_strmap_upsert(map, buf, n, hash, &added);
	if (cell == NULL)
		return PFT_ERR_NOMEM;
	if (added) {
		cell->first = agg->reason_seq;
		if ((cell->sample = sample_of(raw)) == NULL)
			return PFT_ERR_NOMEM;
		agg->reasons_admitted[m]++;
	}
	cell->count += times;
	if (out != NULL)
		*out = cell;
	return PFT_OK;
}

/* Reject-like actions: the client's recipient domain and our reply say little about the
 * deliveries, so only the status breakdown has them. */
static int is_reject_status(enum pft_reason_status status)
{
	return status >= PFT_RS_REJECT;
}

/* Counts `times` (0: only makes the cells, with their samples) in the three maps; the cells
 * are left in cells[] (NULL: none, or the overflow entry). */
static enum pft_status count_all(struct pft_agg *agg, enum pft_reason_status status, pft_dsn dsn,
				 struct pft_slice to, struct pft_slice reason, uint64_t times,
				 struct pft_reason_cell *cells[3])
{
	struct reason_key k;
	if (!key_of(agg, reason, &k))
		return PFT_ERR_NOMEM;
	agg->reason_seq++;
	cells[MAP_DOMAIN] = cells[MAP_DSN] = NULL;
	const uint8_t st = (uint8_t)status;
	PFT_TRY(count_in(agg, MAP_STATUS, &st, 1, st, &k, reason, times, &cells[MAP_STATUS]));
	if (is_reject_status(status))
		return PFT_OK; /* the domain and DSN breakdowns are of delivery attempts */
	unsigned char domain[2 + PFT_DOMAIN_KEY_MAX];
	const size_t dn = pft_domain_key(to.p, to.n, (char *)domain + 2, PFT_DOMAIN_KEY_MAX);
	domain[0] = (unsigned char)(dn >> 8);
	domain[1] = (unsigned char)dn;
	PFT_TRY(count_in(agg, MAP_DOMAIN, domain, 2 + dn, st, &k, reason, times,
			 &cells[MAP_DOMAIN]));
	if (dsn != 0) {
		/* Big-endian, so that byte order is code order. */
		const unsigned char prefix[4] = {(unsigned char)(dsn >> 24), (unsigned char)(dsn >> 16),
						 (unsigned char)(dsn >> 8), (unsigned char)dsn};
		PFT_TRY(count_in(agg, MAP_DSN, prefix, 4, st, &k, reason, times, &cells[MAP_DSN]));
	}
	return PFT_OK;
}

static int same_slice(struct pft_slice a, const char *p, uint32_t n)
{
	return a.p == p && a.n == n;
}

enum pft_status pft_agg_count_reason(struct pft_agg *agg, enum pft_reason_status status,
				     pft_dsn dsn, struct pft_slice to, struct pft_slice reason,
				     uint64_t times)
{
	struct pft_reason_seen *seen = &agg->reason_seen;
	if (seen->raw != NULL && same_slice(reason, seen->raw, seen->raw_n) &&
	    same_slice(to, seen->to, seen->to_n) && seen->dsn == dsn && seen->status == status) {
		/* The attempt pft_agg_see_attempt has just seen (same bytes of the chunk). */
		for (int m = 0; m < N_MAPS; m++)
			if (seen->cells[m] != NULL)
				seen->cells[m]->count += times;
		return PFT_OK;
	}
	struct pft_reason_cell *cells[3];
	return count_all(agg, status, dsn, to, reason, times, cells);
}

/* The reason status of a delivery status, or PFT_RS_COUNT for none. */
static enum pft_reason_status delivery_reason_status(enum pft_dstatus status)
{
	switch (pft_attempt_status(status)) {
	case PFT_DS_DEFERRED: return PFT_RS_DEFERRED;
	case PFT_DS_BOUNCED: return PFT_RS_BOUNCED;
	case PFT_DS_SOFTBOUNCE: return PFT_RS_SOFTBOUNCE;
	default: return PFT_RS_COUNT;
	}
}

enum pft_status pft_agg_count_attempt_reason(struct pft_agg *agg, const struct pft_attempt *a)
{
	const enum pft_reason_status status = delivery_reason_status(a->status);
	if (status == PFT_RS_COUNT)
		return PFT_OK;
	return pft_agg_count_reason(agg, status, a->dsn, a->to, a->reason, a->times);
}

enum pft_status pft_agg_see_attempt(struct pft_agg *agg, const struct pft_attempt *a)
{
	const enum pft_reason_status status = delivery_reason_status(a->status);
	if (status == PFT_RS_COUNT)
		return PFT_OK;
	struct pft_reason_seen *seen = &agg->reason_seen;
	seen->raw = NULL;
	PFT_TRY(count_all(agg, status, a->dsn, a->to, a->reason, 0, seen->cells));
	if (seen->cells[MAP_STATUS] == NULL || seen->cells[MAP_DOMAIN] == NULL ||
	    (a->dsn != 0 && seen->cells[MAP_DSN] == NULL))
		return PFT_OK; /* past the cap (an overflow entry): no shortcut */
	*seen = (struct pft_reason_seen){.raw = a->reason.p ? a->reason.p : "",
					 .raw_n = a->reason.n,
					 .to = a->to.p,
					 .to_n = a->to.n,
					 .dsn = a->dsn,
					 .status = status,
					 .cells = {seen->cells[0], seen->cells[1], seen->cells[2]}};
	return PFT_OK;
}

static enum pft_policy_source source_of(const struct pft_slice *service)
{
	const char *s = service->p;
	switch (service->n) {
	case 5:
		return memcmp(s, "smtpd", 5) == 0 ? PFT_POLICY_SMTPD : PFT_POLICY_OTHER;
	case 7:
		return memcmp(s, "cleanup", 7) == 0 ? PFT_POLICY_CLEANUP : PFT_POLICY_OTHER;
	case 10:
		return memcmp(s, "postscreen", 10) == 0 ? PFT_POLICY_POSTSCREEN : PFT_POLICY_OTHER;
	default:
		return PFT_POLICY_OTHER;
	}
}

enum pft_status pft_agg_count_reject(struct pft_agg *agg, const struct pft_event *ev)
{
	if (ev->action == PFT_ACTION_NONE || (unsigned)ev->action >= PFT_ACTION_COUNT ||
	    (ev->kind != PFT_EV_REJECT && ev->kind != PFT_EV_POSTFIX_INFO))
		return PFT_OK;
	const uint64_t times = ev->repeated > 0 ? ev->repeated : 1;
	const unsigned stage = (unsigned)ev->reject_stage < PFT_STAGE_COUNT ? ev->reject_stage
									     : PFT_STAGE_OTHER;
	agg->t.policy_stage[stage][ev->action] += times;
	agg->t.policy_source[source_of(&ev->service)][ev->action] += times;

	enum pft_reason_status status;
	switch (ev->action) {
	case PFT_ACTION_REJECT: status = PFT_RS_REJECT; break;
	case PFT_ACTION_MILTER_REJECT: status = PFT_RS_MILTER_REJECT; break;
	case PFT_ACTION_PROXY_REJECT: status = PFT_RS_PROXY_REJECT; break;
	case PFT_ACTION_DISCARD: status = PFT_RS_DISCARD; break;
	case PFT_ACTION_HOLD: status = PFT_RS_HOLD; break;
	case PFT_ACTION_REJECT_WARNING: status = PFT_RS_REJECT_WARNING; break;
	default: return PFT_OK; /* filter, redirect, prepend...: an action, not a refusal */
	}
	if (status <= PFT_RS_PROXY_REJECT) {
		/* What the client was told: reply code and enhanced status code. */
		unsigned char key[6];
		memcpy(key, &ev->reply_code, 2);
		memcpy(key + 2, &ev->dsn, 4);
		uint64_t *n = pft_strmap_upsert(&agg->reject_codes, key, sizeof key,
						pft_hash_bytes(key, sizeof key, 0), NULL);
		if (n == NULL)
			return PFT_ERR_NOMEM;
		*n += times;
	}
	return pft_agg_count_reason(agg, status, ev->dsn, ev->to, ev->reason_text, times);
}

/* ---- merging parts ----------------------------------------------------------------------- */

/* Length of the group prefix of an entry key of map m. */
static size_t prefix_len(int m, const char *key)
{
	if (m == MAP_STATUS)
		return 1;
	if (m == MAP_DSN)
		return 4;
	return 2 + ((size_t)(unsigned char)key[0] << 8 | (unsigned char)key[1]);
}

static int is_overflow(int m, const struct pft_strmap_entry *e)
{
	size_t p = prefix_len(m, e->key);
	return e->key_len == p + 1 && (unsigned char)e->key[p] == OVERFLOW;
}

/* Adds count to the overflow entry of the group of key. */
static enum pft_status add_overflow(struct pft_strmap *map, int m, const char *key, uint64_t count)
{
	char buf[2 + 256 + 1];
	size_t p = prefix_len(m, key);
	memcpy(buf, key, p);
	buf[p] = (char)OVERFLOW;
	struct pft_reason_cell *cell =
		pft_strmap_upsert(map, buf, p + 1, pft_hash_bytes(buf, p + 1, 0), NULL);
	if (cell == NULL)
		return PFT_ERR_NOMEM;
	cell->count += count;
	return PFT_OK;
}

/* Adds one src entry to dst's map m, admitting a new key while under the cap. */
static enum pft_status add_entry(struct pft_agg *dst, int m, const struct pft_strmap_entry *e)
{
	struct pft_strmap *map = map_of(dst, m);
	const struct pft_reason_cell *from = e->value;
	struct pft_reason_cell *cell = pft_strmap_find(map, e->key, e->key_len, e->hash);
	const int overflow = is_overflow(m, e);
	if (cell == NULL && !overflow && dst->reasons_admitted[m] >= map_cap[m])
		return add_overflow(map, m, e->key, from->count);
	if (cell == NULL) {
		cell = pft_strmap_upsert(map, e->key, e->key_len, e->hash, NULL);
		if (cell == NULL)
			return PFT_ERR_NOMEM;
		if (!overflow) {
			dst->reasons_admitted[m]++;
			cell->first = dst->reason_seq++;
			const char *s = from->sample ? from->sample : "";
			if ((cell->sample = strdup(s)) == NULL)
				return PFT_ERR_NOMEM;
		}
	}
	cell->count += from->count;
	return PFT_OK;
}

static int by_first(const void *a, const void *b)
{
	const struct pft_reason_cell *x = (*(const struct pft_strmap_entry *const *)a)->value;
	const struct pft_reason_cell *y = (*(const struct pft_strmap_entry *const *)b)->value;
	return (x->first > y->first) - (x->first < y->first);
}

enum pft_status pft_agg_reasons_add(struct pft_agg *dst, const struct pft_agg *src)
{
	dst->reasons_capped = 1;
	for (int m = 0; m < N_MAPS; m++) {
		const struct pft_strmap *from = map_of_const(src, m);
		if (dst->reasons_admitted[m] + from->count <= map_cap[m]) {
			/* Every new key fits: the order does not matter. */
			PFT_STRMAP_FOREACH(from, e)
			PFT_TRY(add_entry(dst, m, e));
			continue;
		}
		/* New keys are admitted in the order src first saw them. */
		const struct pft_strmap_entry **v = malloc(from->count * sizeof *v);
		if (v == NULL)
			return PFT_ERR_NOMEM;
		size_t n = 0;
		PFT_STRMAP_FOREACH(from, e)
		v[n++] = e;
		qsort(v, n, sizeof *v, by_first);
		enum pft_status status = PFT_OK;
		for (size_t i = 0; i < n && status == PFT_OK; i++)
			status = add_entry(dst, m, v[i]);
		free(v);
		PFT_TRY(status);
	}
	PFT_STRMAP_FOREACH(&src->reject_codes, e)
	{
		uint64_t *n = pft_strmap_upsert(&dst->reject_codes, e->key, e->key_len, e->hash, NULL);
		if (n == NULL)
			return PFT_ERR_NOMEM;
		*n += *(const uint64_t *)e->value;
	}
	return PFT_OK;
}

/* ---- the result ---------------------------------------------------------------------------- */

/* One entry of a map, seen as a row of a group. */
struct item {
	char *shown;            /* group as writers may show it (bytes compared, shown_len) */
	size_t shown_len;
	char *name;             /* group name (NUL replaced) */
	int overflow;
	uint8_t status;
	const char *key;        /* the map's bytes: normalised key */
	size_t key_len;
	const struct pft_reason_cell *cell;
};

/* Bytes of a log name as a C string: a NUL would end it, so it becomes 0xFF (shown as U+FFFD
 * like any byte that is not UTF-8). Names that writers show alike (pft_agg_shown_name) are
 * one group, under the first of them in byte order, as in the result's by_domain. */
static char *c_string(const char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		s[i] = p[i] != '\0' ? p[i] : (char)0xFF;
	s[n] = '\0';
	return s;
}

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c != 0 ? c : (an > bn) - (an < bn);
}

/* Group, then overflow last, then status and key, then name (the first name wins). */
static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = bytes_cmp(x->shown, x->shown_len, y->shown, y->shown_len);
	if (c != 0)
		return c;
	if (x->overflow != y->overflow)
		return x->overflow - y->overflow;
	if (x->status != y->status)
		return x->status < y->status ? -1 : 1;
	c = bytes_cmp(x->key, x->key_len, y->key, y->key_len);
	return c != 0 ? c : strcmp(x->name, y->name);
}

static int row_cmp(const void *a, const void *b)
{
	const struct pft_reason_row *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->status != y->status)
		return x->status < y->status ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void free_items(struct item *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].shown);
		free(v[i].name);
	}
	free(v);
}

static void free_groups(struct pft_reason_group *g, size_t n)
{
	for (size_t i = 0; g != NULL && i < n; i++) {
		for (size_t j = 0; j < g[i].n_rows; j++) {
			free(g[i].rows[j].key);
			free(g[i].rows[j].sample);
		}
		free(g[i].rows);
		free(g[i].name);
	}
	free(g);
}

/* Fills items from map m; @return 0 when out of memory. */
static int items_of(const struct pft_strmap *map, int m, struct item *v, size_t *n_out)
{
	size_t n = 0;
	PFT_STRMAP_FOREACH(map, e)
	{
		struct item *it = &v[n++];
		memset(it, 0, sizeof *it);
		const size_t p = prefix_len(m, e->key);
		it->cell = e->value;
		it->overflow = is_overflow(m, e);
		it->status = it->overflow ? 0 : (uint8_t)e->key[p];
		it->key = e->key + p + 1;
		it->key_len = e->key_len - p - 1;
		char label[32];
		if (m == MAP_STATUS) {
			it->name = strdup(pft_reason_status_name((enum pft_reason_status)(
				(unsigned char)e->key[0])));
			it->shown = malloc(1);
			if (it->shown != NULL)
				it->shown[0] = e->key[0];
			it->shown_len = 1;
		} else if (m == MAP_DSN) {
			const unsigned char *b = (const unsigned char *)e->key;
			const pft_dsn d = (pft_dsn)b[0] << 24 | (pft_dsn)b[1] << 16 | (pft_dsn)b[2] << 8 | b[3];
			snprintf(label, sizeof label, "%u.%u.%u", PFT_DSN_CLASS(d) % 1000u,
				 PFT_DSN_SUBJECT(d), PFT_DSN_DETAIL(d));
			it->name = strdup(label);
			it->shown = malloc(4);
			if (it->shown != NULL)
				memcpy(it->shown, b, 4);
			it->shown_len = 4;
		} else {
			it->name = c_string(e->key + 2, p - 2);
			it->shown = it->name ? pft_agg_shown_name(it->name, p - 2) : NULL;
			it->shown_len = it->shown ? strlen(it->shown) : 0;
		}
		if (it->name == NULL || it->shown == NULL) {
			*n_out = n;
			return 0;
		}
	}
	*n_out = n;
	return 1;
}

/* Builds the groups of items[0..n) (sorted by item_cmp), top rows each. */
static enum pft_status groups_of(struct item *v, size_t n, size_t top,
				 struct pft_reason_group **out, size_t *n_out)
{
	size_t n_groups = 0;
	for (size_t i = 0; i < n; i++)
		n_groups += i == 0 || bytes_cmp(v[i].shown, v[i].shown_len, v[i - 1].shown,
						v[i - 1].shown_len) != 0;
	struct pft_reason_group *g = calloc(n_groups ? n_groups : 1, sizeof *g);
	if (g == NULL)
		return PFT_ERR_NOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		size_t end = i + 1;
		while (end < n && bytes_cmp(v[end].shown, v[end].shown_len, v[i].shown,
					    v[i].shown_len) == 0)
			end++;
		struct pft_reason_group *grp = &g[k++];
		/* The group's name: the first of its names in byte order. */
		const char *name = v[i].name;
		for (size_t j = i + 1; j < end; j++)
			if (strcmp(v[j].name, name) < 0)
				name = v[j].name;
		const char *last_key = NULL;
		size_t last_key_len = 0;
		grp->rows = calloc(end - i, sizeof *grp->rows);
		if ((grp->name = strdup(name)) == NULL || grp->rows == NULL) {
			free_groups(g, k);
			return PFT_ERR_NOMEM;
		}
		for (size_t j = i; j < end; j++) {
			if (v[j].cell->count == 0)
				continue; /* a count taken back (a lifecycle fold undone) */
			grp->total += v[j].cell->count;
			if (v[j].overflow) {
				grp->other += v[j].cell->count;
				continue;
			}
			struct pft_reason_row *last = grp->n_rows ? &grp->rows[grp->n_rows - 1] : NULL;
			if (last != NULL && last->status == v[j].status && last_key != NULL &&
			    bytes_cmp(last_key, last_key_len, v[j].key, v[j].key_len) == 0) {
				last->count += v[j].cell->count; /* one key under names shown alike */
				continue;
			}
			struct pft_reason_row *row = &grp->rows[grp->n_rows++];
			last_key = v[j].key;
			last_key_len = v[j].key_len;
			row->status = (enum pft_reason_status)v[j].status;
			row->count = v[j].cell->count;
			row->key = c_string(v[j].key, v[j].key_len);
			const char *s = v[j].cell->sample ? v[j].cell->sample : "";
			row->sample = c_string(s, strlen(s));
			if (row->key == NULL || row->sample == NULL) {
				free_groups(g, k);
				return PFT_ERR_NOMEM;
			}
		}
		i = end;
		if (grp->total == 0) { /* every count taken back */
			free(grp->rows);
			free(grp->name);
			memset(grp, 0, sizeof *grp);
			k--;
			continue;
		}
		grp->keys = grp->n_rows;
		qsort(grp->rows, grp->n_rows, sizeof *grp->rows, row_cmp);
		while (grp->n_rows > top) {
			struct pft_reason_row *row = &grp->rows[--grp->n_rows];
			grp->other += row->count;
			free(row->key);
			free(row->sample);
		}
	}
	*out = g;
	*n_out = k;
	return PFT_OK;
}

static int group_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pft_reason_group *)a)->name,
		      ((const struct pft_reason_group *)b)->name);
}

static enum pft_status result_map(const struct pft_agg *agg, int m, struct pft_reason_group **out,
				  size_t *n_out)
{
	const struct pft_strmap *map = map_of_const(agg, m);
	*out = NULL;
	*n_out = 0;
	struct item *v = calloc(map->count ? map->count : 1, sizeof *v);
	if (v == NULL)
		return PFT_ERR_NOMEM;
	size_t n = 0;
	if (!items_of(map, m, v, &n)) {
		free_items(v, n);
		return PFT_ERR_NOMEM;
	}
	qsort(v, n, sizeof *v, item_cmp);
	enum pft_status status = groups_of(v, n, m == MAP_STATUS ? PFT_REASON_TOP_STATUS
								  : PFT_REASON_TOP_GROUP,
					   out, n_out);
	free_items(v, n);
	if (status == PFT_OK && m == MAP_DOMAIN) /* by name, as by_domain */
		qsort(*out, *n_out, sizeof **out, group_name_cmp);
	return status;
}

static int code_cmp(const void *a, const void *b)
{
	const struct pft_reject_code *x = a, *y = b;
	if (x->reply != y->reply)
		return x->reply < y->reply ? -1 : 1;
	return (x->dsn > y->dsn) - (x->dsn < y->dsn);
}

enum pft_status pft_agg_result_reasons(const struct pft_agg *agg, struct pft_result *out)
{
	PFT_TRY(result_map(agg, MAP_STATUS, &out->reasons_by_status, &out->n_reasons_by_status));
	PFT_TRY(result_map(agg, MAP_DOMAIN, &out->reasons_by_domain, &out->n_reasons_by_domain));
	PFT_TRY(result_map(agg, MAP_DSN, &out->reasons_by_dsn, &out->n_reasons_by_dsn));
	const struct pft_strmap *codes = &agg->reject_codes;
	out->reject_codes = calloc(codes->count ? codes->count : 1, sizeof *out->reject_codes);
	if (out->reject_codes == NULL)
		return PFT_ERR_NOMEM;
	PFT_STRMAP_FOREACH(codes, e)
	{
		struct pft_reject_code *c = &out->reject_codes[out->n_reject_codes++];
		memcpy(&c->reply, e->key, 2);
		memcpy(&c->dsn, e->key + 2, 4);
		c->count = *(const uint64_t *)e->value;
	}
	qsort(out->reject_codes, out->n_reject_codes, sizeof *out->reject_codes, code_cmp);
	return PFT_OK;
}
