/* A part's queue-ID table: PFT_QID_SHARDS ck_hs shards (see qid_table.h). */
#include <stdlib.h>
#include <string.h>

#include "agg/qid_table.h"

/* A 4 MiB chunk holds ~1-2 K keys a shard: starting this big saves most of ck_hs's growth
 * (rehashing), which measured as costly as the lookups themselves (bench_table). */
#define SHARD_INITIAL_CAPACITY 1024

static void *slots_malloc(size_t n)
{
	return malloc(n);
}

/* No reader can hold the old slot array (one thread uses a table), so `defer` needs no
 * grace period. */
static void slots_free(void *p, size_t n, bool defer)
{
	(void)n;
	(void)defer;
	free(p);
}

static struct ck_malloc slots_allocator = {.malloc = slots_malloc, .free = slots_free};

static unsigned long entry_hash(const void *object, unsigned long seed)
{
	(void)seed;
	return (unsigned long)((const struct pft_strmap_entry *)object)->hash;
}

static bool entry_equal(const void *stored, const void *probe)
{
	const struct pft_strmap_entry *a = stored, *b = probe;
	return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

void pft_qid_table_init(struct pft_qid_table *t, size_t value_size)
{
	memset(t, 0, sizeof *t);
	t->value_size = value_size;
}

void pft_qid_table_free(struct pft_qid_table *t)
{
	for (unsigned s = 0; s < PFT_QID_SHARDS; s++) {
		struct pft_qid_shard *sh = &t->shards[s];
		if (sh->ready)
			ck_hs_destroy(&sh->hs);
		pft_arena_free(&sh->arena);
	}
	pft_qid_table_init(t, t->value_size);
}

/* The entry of key: the last one found or made if it is that key, else from its shard (which
 * then becomes the last). */
static const struct pft_strmap_entry *lookup(struct pft_qid_table *t, const void *key,
					     size_t key_len, uint64_t hash)
{
	const struct pft_strmap_entry probe = {.hash = hash, .key = key, .key_len = (uint32_t)key_len};
	if (t->last != NULL && t->last->hash == hash && entry_equal(t->last, &probe))
		return t->last;
	struct pft_qid_shard *sh = &t->shards[pft_qid_shard_of(hash)];
	const struct pft_strmap_entry *e =
		sh->ready ? ck_hs_get(&sh->hs, (unsigned long)hash, &probe) : NULL;
	if (e != NULL)
		t->last = e;
	return e;
}

void *pft_qid_table_find(struct pft_qid_table *t, const void *key, size_t key_len, uint64_t hash)
{
	const struct pft_strmap_entry *e = key_len <= UINT32_MAX ? lookup(t, key, key_len, hash) : NULL;
	return e ? e->value : NULL;
}

void *pft_qid_table_upsert(struct pft_qid_table *t, const void *key, size_t key_len,
			   uint64_t hash)
{
	if (key_len > UINT32_MAX)
		return NULL;
	const struct pft_strmap_entry *found = lookup(t, key, key_len, hash);
	if (found != NULL)
		return found->value;
	struct pft_qid_shard *sh = &t->shards[pft_qid_shard_of(hash)];
	if (!sh->ready) {
		if (!ck_hs_init(&sh->hs, CK_HS_MODE_SPMC | CK_HS_MODE_OBJECT, entry_hash, entry_equal,
				&slots_allocator, SHARD_INITIAL_CAPACITY, 0))
			return NULL;
		sh->ready = 1;
	}
	/* One allocation: the entry, its value (16-byte aligned, zeroed), the key's copy. */
	const size_t head = (sizeof(struct pft_strmap_entry) + 15) & ~(size_t)15;
	char *mem = pft_arena_alloc(&sh->arena, head + t->value_size + key_len + 1);
	if (mem == NULL)
		return NULL;
	struct pft_strmap_entry *e = (struct pft_strmap_entry *)mem;
	char *copy = mem + head + t->value_size;
	memcpy(copy, key, key_len);
	copy[key_len] = '\0';
	*e = (struct pft_strmap_entry){.hash = hash, .key = copy, .key_len = (uint32_t)key_len,
				       .value = mem + head};
	memset(e->value, 0, t->value_size);
	if (!ck_hs_put_unique(&sh->hs, (unsigned long)hash, e))
		return NULL; /* the arena keeps the bytes until the table is freed */
	t->count++;
	t->last = e;
	return e->value;
}

const struct pft_strmap_entry *pft_qid_shard_next(struct pft_qid_table *t, unsigned shard,
						  ck_hs_iterator_t *it)
{
	struct pft_qid_shard *sh = &t->shards[shard];
	void *e;
	return sh->ready && ck_hs_next(&sh->hs, it, &e) ? e : NULL;
}
