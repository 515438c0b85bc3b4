/* pftally — an open-addressing map from byte-string keys to fixed-size, zero-initialised
 * values. Each entry (value, then a copy of the key) is one allocation that never moves, so a
 * value pointer stays valid until the entry is removed or the map freed. One writer at a
 * time. Entries come from an arena given at init, or else from the map's own pool (blocks of
 * entries, and a free list per size for the entries removed: no malloc per entry). */
#ifndef PFT_STRMAP_H
#define PFT_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"

struct pft_strmap_entry {
	uint64_t hash;
	const char *key;        /* copy owned by the map, NUL-terminated */
	uint32_t key_len;
	void *value;            /* value_size bytes owned by the map */
};

struct pft_arena;
struct pft_strmap_pool;

struct pft_strmap {
	struct pft_strmap_entry *slots; /* capacity slots; key == NULL means empty */
	size_t capacity;                /* power of two */
	size_t count;
	size_t value_size;
	struct pft_arena *arena;        /* entries come from here when non-NULL (never freed one
					 * by one) */
	struct pft_strmap_pool *pool;   /* else from here (strmap.c), made at the first insert */
	size_t removed;                 /* entries removed so far (a pft_strmap_cache checks it) */
};

void pft_strmap_init(struct pft_strmap *map, size_t value_size);

/*! pft_strmap_init_arena() : a map whose entries are carved from arena (freed with it). */
void pft_strmap_init_arena(struct pft_strmap *map, size_t value_size, struct pft_arena *arena);
void pft_strmap_free(struct pft_strmap *map);

/*! pft_strmap_find() : @return the value for key, or NULL. */
void *pft_strmap_find(const struct pft_strmap *map, const void *key, size_t key_len,
		      uint64_t hash);

/*! pft_strmap_upsert() : @return the value for key, inserting a zeroed one (and setting
 *  *added, if non-NULL) when absent; NULL only when out of memory. */
void *pft_strmap_upsert(struct pft_strmap *map, const void *key, size_t key_len, uint64_t hash,
			int *added);

/*! pft_strmap_prefetch() : starts loading the slot where a lookup of hash begins. */
static inline void pft_strmap_prefetch(const struct pft_strmap *map, uint64_t hash)
{
	if (map->capacity > 0)
		__builtin_prefetch(&map->slots[hash & (map->capacity - 1)]);
}

/*! pft_strmap_key_of() : the map's NUL-terminated copy of the key of a value it returned. */
const char *pft_strmap_key_of(const struct pft_strmap *map, const void *value);

/*! pft_strmap_remove() : removes key if present and frees its entry (backward-shift
 *  deletion, no tombstones). @return 1 if it was there. */
int pft_strmap_remove(struct pft_strmap *map, const void *key, size_t key_len, uint64_t hash);

/*! pft_strmap_sorted() : @return a malloc'd array of the map's entries sorted by key (bytes,
 *  then length) — for deterministic reports and merges; caller frees the array only. */
struct pft_strmap_entry *pft_strmap_sorted(const struct pft_strmap *map);

/* A direct-mapped cache of a map's values by key, for maps whose few keys come back all the
 * time (the codes, domains and relays of delivery attempts): a hit costs a cheap index and a
 * compare of the key, no hash and no probe. It points at the map's entries, so it empties
 * itself when the map has removed one; empty it too (pft_strmap_cache_init) when the map is
 * freed. */
#define PFT_STRMAP_CACHE 128
struct pft_strmap_cache {
	size_t removed;                 /* map->removed when the slots were filled */
	struct pft_strmap_cache_slot {
		const char *key;        /* the map's copy of the key; NULL: empty */
		uint32_t key_len;
		void *value;
	} slots[PFT_STRMAP_CACHE];
};

void pft_strmap_cache_init(struct pft_strmap_cache *cache);

/* The slot of key in a cache: its first and last 8 bytes (or fewer) and its length, mixed. Not
 * pft_hash_bytes(), which reads every word: names that share their first and last words and
 * their length are rare. */
static inline struct pft_strmap_cache_slot *pft_strmap_cache_slot(struct pft_strmap_cache *cache,
								  const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t x = len <= 8 ? pft_hash_read_tail(p, len) : pft_hash_read8(p);
	x = (x ^ len) * 0x9E3779B97F4A7C15ull;
	if (len > 8)
		x ^= pft_hash_read8(p + len - 8);
	x *= 0xA0761D6478BD642Full;
	return &cache->slots[x >> 57];
}
_Static_assert(PFT_STRMAP_CACHE == 128, "pft_strmap_cache_slot() takes 7 bits");

/*! pft_strmap_cache_find() : the value for key if the cache holds it, else NULL (then look in
 *  the map, and pft_strmap_cache_put() what it gives). */
static inline void *pft_strmap_cache_find(const struct pft_strmap *map,
					  struct pft_strmap_cache *cache, const void *key,
					  size_t len)
{
	if (__builtin_expect(cache->removed != map->removed, 0)) {
		pft_strmap_cache_init(cache);
		cache->removed = map->removed;
		return NULL;
	}
	const struct pft_strmap_cache_slot *s = pft_strmap_cache_slot(cache, key, len);
	if (s->key != NULL && s->key_len == len && pft_bytes_equal(s->key, key, len))
		return s->value;
	return NULL;
}

/*! pft_strmap_cache_put() : remembers value, which map gave for a key of len bytes, in cache. */
static inline void pft_strmap_cache_put(const struct pft_strmap *map,
					struct pft_strmap_cache *cache, const void *value,
					size_t len)
{
	const char *key = pft_strmap_key_of(map, value);
	*pft_strmap_cache_slot(cache, key, len) =
		(struct pft_strmap_cache_slot){key, (uint32_t)len, (void *)value};
}

#define PFT_STRMAP_FOREACH(map, e)                                                                 \
	for (struct pft_strmap_entry *e = (map)->slots; e && e < (map)->slots + (map)->capacity;   \
	     e++)                                                                                  \
		if (e->key != NULL)

#endif
