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
	for (size_t i = 0; map->arena == NULL && i < map->capacity; i++)
		if (map->slots[i].key != NULL)
			free(map->slots[i].value);
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

static size_t probe(const struct pft_strmap *map, const void *key, size_t key_len, uint64_t hash)
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

void *pft_strmap_upsert(struct pft_strmap *map, const void *key, size_t key_len, uint64_t hash,
			int *added)
{
	if (added)
		*added = 0;
	if ((map->count + 1) * 4 > map->capacity * 3 && !grow(map))
		return NULL;
	struct pft_strmap_entry *e = &map->slots[probe(map, key, key_len, hash)];
	if (e->key != NULL)
		return e->value;
	size_t span = value_span(map);
	unsigned char *block = map->arena ? pft_arena_alloc(map->arena, span + key_len + 1)
					  : malloc(span + key_len + 1);
	if (block == NULL)
		return NULL;
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
		free(map->slots[i].value);
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
