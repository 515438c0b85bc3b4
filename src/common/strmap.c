#include "common/strmap.h"

#include "common/arena.h"
#include "common/hash.h"

#include <stdlib.h>
#include <string.h>

#define VALUE_ALIGN 16

static size_t value_span(const struct pft_strmap *map)
{
	return (map->value_size + VALUE_ALIGN - 1) & ~(size_t)(VALUE_ALIGN - 1);
}

/* ---- the pool of a map without an arena ------------------------------------------------------
 * An entry of n bytes takes a slot of n rounded up to 16 (its size class). Slots are cut from
 * chunks (1 KiB first, doubling to 64 KiB); a removed entry's slot goes on the free list of
 * its class and is the next one of that class given out. Entries larger than POOL_MAX are
 * malloc'd one by one. Everything goes at pft_strmap_free(). */
#define POOL_MAX 1024
#define POOL_CLASSES (POOL_MAX / VALUE_ALIGN)
#define POOL_FIRST_CHUNK 1024
#define POOL_LAST_CHUNK 65536

struct pool_chunk {
	struct pool_chunk *next;
	_Alignas(VALUE_ALIGN) unsigned char data[];
};

struct pft_strmap_pool {
	struct pool_chunk *chunks;
	unsigned char *cur; /* the free rest of the newest chunk */
	size_t left;
	size_t next_chunk;  /* bytes of data of the next chunk */
	void *free[POOL_CLASSES];
};

static size_t slot_size(size_t n)
{
	return (n + VALUE_ALIGN - 1) & ~(size_t)(VALUE_ALIGN - 1);
}

/* An entry of n bytes for a map without an arena, 16-aligned. */
static void *pool_alloc(struct pft_strmap *map, size_t n)
{
	const size_t size = slot_size(n);
	if (size > POOL_MAX)
		return malloc(n);
	struct pft_strmap_pool *pool = map->pool;
	if (pool == NULL) {
		if ((pool = map->pool = calloc(1, sizeof *pool)) == NULL)
			return NULL;
		pool->next_chunk = POOL_FIRST_CHUNK;
	}
	void **list = &pool->free[size / VALUE_ALIGN - 1];
	if (*list != NULL) {
		void *slot = *list;
		memcpy(list, slot, sizeof *list); /* the next one, kept in the slot */
		return slot;
	}
	if (pool->left < size) {
		const size_t bytes = pool->next_chunk;
		struct pool_chunk *c = malloc(sizeof *c + bytes);
		if (c == NULL)
			return NULL;
		c->next = pool->chunks;
		pool->chunks = c;
		pool->cur = c->data;
		pool->left = bytes;
		if (pool->next_chunk < POOL_LAST_CHUNK)
			pool->next_chunk *= 2;
	}
	void *slot = pool->cur;
	pool->cur += size;
	pool->left -= size;
	return slot;
}

/* Gives back the entry of n bytes at block (from pool_alloc()). */
static void pool_release(struct pft_strmap *map, void *block, size_t n)
{
	const size_t size = slot_size(n);
	if (size > POOL_MAX) {
		free(block);
		return;
	}
	void **list = &map->pool->free[size / VALUE_ALIGN - 1];
	memcpy(block, list, sizeof *list);
	*list = block;
}

static void pool_free(struct pft_strmap *map)
{
	const size_t span = value_span(map);
	for (size_t i = 0; i < map->capacity; i++) /* the entries too big for the pool */
		if (map->slots[i].key != NULL &&
		    slot_size(span + map->slots[i].key_len + 1) > POOL_MAX)
			free(map->slots[i].value);
	if (map->pool == NULL)
		return;
	for (struct pool_chunk *c = map->pool->chunks, *next; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(map->pool);
}

void pft_strmap_init(struct pft_strmap *map, size_t value_size)
{
	memset(map, 0, sizeof *map);
	map->value_size = value_size;
}

void pft_strmap_init_arena(struct pft_strmap *map, size_t value_size, struct pft_arena *arena)
{
	pft_strmap_init(map, value_size);
	map->arena = arena;
}

void pft_strmap_free(struct pft_strmap *map)
{
	if (map->arena == NULL)
		pool_free(map);
	free(map->slots);
	memset(map, 0, sizeof *map);
}

static int grow(struct pft_strmap *map)
{
	size_t capacity = map->capacity ? map->capacity * 2 : 64;
	struct pft_strmap_entry *slots = calloc(capacity, sizeof *slots);
	if (slots == NULL)
		return 0;
	for (size_t i = 0; i < map->capacity; i++) {
		const struct pft_strmap_entry *e = &map->slots[i];
		if (e->key == NULL)
			continue;
		size_t j = e->hash & (capacity - 1);
		while (slots[j].key != NULL)
			j = (j + 1) & (capacity - 1);
		slots[j] = *e;
	}
	free(map->slots);
	map->slots = slots;
	map->capacity = capacity;
	return 1;
}

static inline size_t probe(const struct pft_strmap *map, const void *key, size_t key_len,
			   uint64_t hash)
{
	size_t mask = map->capacity - 1, i = hash & mask;
	for (;;) {
		const struct pft_strmap_entry *e = &map->slots[i];
		if (e->key == NULL ||
		    (e->hash == hash && e->key_len == key_len && pft_bytes_equal(e->key, key, key_len)))
			return i;
		i = (i + 1) & mask;
	}
}

void *pft_strmap_find(const struct pft_strmap *map, const void *key, size_t key_len,
		      uint64_t hash)
{
	if (map->count == 0)
		return NULL;
	const struct pft_strmap_entry *e = &map->slots[probe(map, key, key_len, hash)];
	return e->key ? e->value : NULL;
}

/* The entry for key goes into the empty slot e: a block for the value and a copy of the key. */
static __attribute__((noinline)) void *insert(struct pft_strmap *map, struct pft_strmap_entry *e,
					      const void *key, size_t key_len, uint64_t hash,
					      int *added)
{
	size_t span = value_span(map);
	unsigned char *block = map->arena ? pft_arena_alloc(map->arena, span + key_len + 1)
					  : pool_alloc(map, span + key_len + 1);
	if (block == NULL) {
		if (added)
			*added = 0;
		return NULL;
	}
	memset(block, 0, span);
	if (key_len > 0) /* an empty key may come as a NULL slice: memcpy(_, NULL, 0) is UB */
		memcpy(block + span, key, key_len);
	block[span + key_len] = '\0';
	e->hash = hash;
	e->key = (const char *)block + span;
	e->key_len = (uint32_t)key_len;
	e->value = block;
	map->count++;
	if (added)
		*added = 1;
	return block;
}

/* pft_strmap_upsert() after the table grew (out of line: the common path saves fewer
 * registers). */
static __attribute__((noinline)) void *grow_upsert(struct pft_strmap *map, const void *key,
						   size_t key_len, uint64_t hash, int *added)
{
	if (!grow(map)) {
		if (added)
			*added = 0;
		return NULL;
	}
	return pft_strmap_upsert(map, key, key_len, hash, added);
}

/* The table grows before a lookup that could insert, found or not (as it always has: the
 * order of the slots, which PFT_STRMAP_FOREACH walks, depends on when it grows). The probe is
 * here, not in probe(): a key that is there, the usual case, costs no call. */
void *pft_strmap_upsert(struct pft_strmap *map, const void *key, size_t key_len, uint64_t hash,
			int *added)
{
	if (__builtin_expect((map->count + 1) * 4 > map->capacity * 3, 0))
		return grow_upsert(map, key, key_len, hash, added); /* (never twice: it doubles) */
	struct pft_strmap_entry *const slots = map->slots;
	const size_t mask = map->capacity - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct pft_strmap_entry *e = &slots[i];
		if (e->key == NULL)
			return insert(map, e, key, key_len, hash, added);
		if (e->hash == hash && e->key_len == key_len &&
		    pft_bytes_equal(e->key, key, key_len)) {
			if (added)
				*added = 0;
			return e->value;
		}
	}
}

void pft_strmap_cache_init(struct pft_strmap_cache *cache)
{
	memset(cache, 0, sizeof *cache);
}

const char *pft_strmap_key_of(const struct pft_strmap *map, const void *value)
{
	return (const char *)value + value_span(map);
}

int pft_strmap_remove(struct pft_strmap *map, const void *key, size_t key_len, uint64_t hash)
{
	if (map->count == 0)
		return 0;
	size_t mask = map->capacity - 1, i = probe(map, key, key_len, hash);
	if (map->slots[i].key == NULL)
		return 0;
	if (map->arena == NULL)
		pool_release(map, map->slots[i].value, value_span(map) + map->slots[i].key_len + 1);
	/* Backward-shift deletion: move later entries of the probe run into the hole when their
	 * home slot is not cyclically within (hole, j]. */
	size_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (map->slots[j].key == NULL)
			break;
		size_t home = map->slots[j].hash & mask;
		int movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			map->slots[i] = map->slots[j];
			i = j;
		}
	}
	map->slots[i].key = NULL;
	map->count--;
	map->removed++;
	return 1;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct pft_strmap_entry *x = a, *y = b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);
	if (c != 0)
		return c;
	return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

struct pft_strmap_entry *pft_strmap_sorted(const struct pft_strmap *map)
{
	struct pft_strmap_entry *out = malloc((map->count ? map->count : 1) * sizeof *out);
	if (out == NULL)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < map->capacity; i++)
		if (map->slots[i].key != NULL)
			out[n++] = map->slots[i];
	qsort(out, n, sizeof *out, entry_cmp);
	return out;
}
