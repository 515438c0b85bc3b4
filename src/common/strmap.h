/* pftally — an open-addressing map from byte-string keys to fixed-size, zero-initialised
 * values. Each entry (value, then a copy of the key) is one allocation that never moves, so a
 * value pointer stays valid until the entry is removed or the map freed. One writer at a
 * time. Entries come from an arena given at init, or else from the map's own pool (blocks of
 * entries, and a free list per size for the entries removed: no malloc per entry). */
#ifndef PFT_STRMAP_H
#define PFT_STRMAP_H

#include <stddef.h>
#include <stdint.h>

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

/*! pft_strmap_key_of() : the map's NUL-terminated copy of the key of a value it returned. */
const char *pft_strmap_key_of(const struct pft_strmap *map, const void *value);

/*! pft_strmap_remove() : removes key if present and frees its entry (backward-shift
 *  deletion, no tombstones). @return 1 if it was there. */
int pft_strmap_remove(struct pft_strmap *map, const void *key, size_t key_len, uint64_t hash);

/*! pft_strmap_sorted() : @return a malloc'd array of the map's entries sorted by key (bytes,
 *  then length) — for deterministic reports and merges; caller frees the array only. */
struct pft_strmap_entry *pft_strmap_sorted(const struct pft_strmap *map);

#define PFT_STRMAP_FOREACH(map, e)                                                                 \
	for (struct pft_strmap_entry *e = (map)->slots; e && e < (map)->slots + (map)->capacity;   \
	     e++)                                                                                  \
		if (e->key != NULL)

#endif
