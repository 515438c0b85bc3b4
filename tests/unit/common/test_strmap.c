/* src/common/strmap: upsert, find, remove and free, with entries from the map's own pool
 * (size classes, slots reused after a remove, entries too big for the pool malloc'd) and from
 * an arena. Checked against what was put in: every key finds its own value, removed keys are
 * gone, values never move, new entries are zeroed. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/hash.h"
#include "common/strmap.h"

struct value {
	uint64_t id;
	char pad[40]; /* a value of 48 bytes: the key follows it in the entry */
};

/* Key i, distinct for each i: lengths from 2 to 1500 bytes (past the pool's largest class),
 * i in its first two bytes. */
static size_t key_of(size_t i, char *buf)
{
	const size_t n = 2 + (i % 7 == 0 ? (i * 37) % 1500 : i % 40);
	buf[0] = (char)(i & 0xFF);
	buf[1] = (char)(i >> 8);
	for (size_t j = 2; j < n; j++)
		buf[j] = (char)('a' + (i * 31 + j * 7) % 26);
	return n;
}

static void check_map(struct pft_arena *arena)
{
	enum { N = 3000 };
	static char key[2000];
	static struct value *where[N];
	struct pft_strmap map;
	if (arena)
		pft_strmap_init_arena(&map, sizeof(struct value), arena);
	else
		pft_strmap_init(&map, sizeof(struct value));
	for (size_t i = 0; i < N; i++) {
		const size_t n = key_of(i, key);
		int added = -1;
		struct value *v =
		    pft_strmap_upsert(&map, key, n, pft_hash_bytes(key, n, 0), &added);
		cr_assert_not_null(v);
		cr_assert_eq((uintptr_t)v % 16, 0, "value not 16-aligned");
		cr_assert_eq(added, 1);
		cr_assert_eq(v->id, 0, "new value not zeroed");
		v->id = i + 1;
		where[i] = v;
		cr_assert_eq(memcmp(pft_strmap_key_of(&map, v), key, n), 0);
		cr_assert_eq(pft_strmap_key_of(&map, v)[n], '\0');
	}
	cr_assert_eq(map.count, N);
	/* every key finds the value it got, which has not moved */
	for (size_t i = 0; i < N; i++) {
		const size_t n = key_of(i, key);
		cr_assert_eq(pft_strmap_find(&map, key, n, pft_hash_bytes(key, n, 0)), where[i]);
	}
	/* remove every third key, then put them back: zeroed values, the others untouched */
	for (size_t i = 0; i < N; i += 3) {
		const size_t n = key_of(i, key);
		const uint64_t h = pft_hash_bytes(key, n, 0);
		cr_assert(pft_strmap_remove(&map, key, n, h));
		cr_assert_null(pft_strmap_find(&map, key, n, h));
	}
	for (size_t i = 0; i < N; i++) {
		const size_t n = key_of(i, key);
		const uint64_t h = pft_hash_bytes(key, n, 0);
		struct value *v = pft_strmap_find(&map, key, n, h);
		if (i % 3 == 0) {
			cr_assert_null(v);
			int added = 0;
			v = pft_strmap_upsert(&map, key, n, h, &added);
			cr_assert(added);
			cr_assert_eq(v->id, 0, "reused slot not zeroed");
			v->id = 1000000 + i;
			memset(v->pad, 0x5A, sizeof v->pad);
		} else {
			cr_assert_eq(v, where[i]);
			cr_assert_eq(v->id, i + 1);
		}
	}
	for (size_t i = 1; i < N; i += 3) {
		const size_t n = key_of(i, key);
		const struct value *v = pft_strmap_find(&map, key, n, pft_hash_bytes(key, n, 0));
		cr_assert_not_null(v);
		cr_assert_eq(memcmp(pft_strmap_key_of(&map, v), key, n), 0);
	}
	struct pft_strmap_entry *sorted = pft_strmap_sorted(&map);
	cr_assert_not_null(sorted);
	for (size_t i = 1; i < map.count; i++) {
		const size_t a = sorted[i - 1].key_len, b = sorted[i].key_len;
		const int c = memcmp(sorted[i - 1].key, sorted[i].key, a < b ? a : b);
		cr_assert(c < 0 || (c == 0 && a < b), "not sorted");
	}
	free(sorted);
	pft_strmap_free(&map);
	cr_assert_eq(map.count, 0);
	cr_assert_null(map.slots);
}

Test(strmap, pool)
{
	check_map(NULL);
}

Test(strmap, arena)
{
	struct pft_arena arena = {0};
	check_map(&arena);
	pft_arena_free(&arena);
}

Test(strmap, free_unused_and_reuse)
{
	struct pft_strmap map;
	pft_strmap_init(&map, 8);
	pft_strmap_free(&map); /* never inserted: no pool */
	pft_strmap_init(&map, 8);
	const uint64_t h = pft_hash_bytes("k", 1, 0);
	uint64_t *v = pft_strmap_upsert(&map, "k", 1, h, NULL);
	cr_assert_not_null(v);
	cr_assert(pft_strmap_remove(&map, "k", 1, h));
	uint64_t *w = pft_strmap_upsert(&map, "k", 1, h, NULL);
	cr_assert_eq(w, v, "the removed slot of the same size is reused");
	cr_assert_eq(*w, 0);
	pft_strmap_free(&map);
}

/* pft_strmap_cache: what it finds is always the map's value for that key (never another
 * key's, whatever shares a slot), it forgets everything once the map has removed an entry,
 * and an empty key (a NULL pointer with length 0) is a key like any other. */
Test(strmap, cache)
{
	enum { N = 2000 };
	static char key[2000];
	struct pft_strmap map;
	struct pft_strmap_cache cache;
	pft_strmap_init(&map, sizeof(struct value));
	pft_strmap_cache_init(&cache);
	size_t hits = 0;
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < N; i++) {
			const size_t len = key_of(i % 100, key); /* 100 keys in 128 slots: some share one */
			struct value *v = pft_strmap_cache_find(&map, &cache, key, len);
			struct value *in_map =
				pft_strmap_upsert(&map, key, len, pft_hash_bytes(key, len, 0), NULL);
			cr_assert_not_null(in_map);
			if (v != NULL) {
				cr_assert_eq(v, in_map, "key %zu: the cache gave another key's value", i);
				hits++;
			} else {
				pft_strmap_cache_put(&map, &cache, in_map, len);
				cr_assert_eq(pft_strmap_cache_find(&map, &cache, key, len), in_map);
			}
			in_map->id = i % 100 + 1;
		}
	}
	cr_assert_gt(hits, N, "a cache that never hits is no cache");

	/* A removal empties it: the removed key's value must not come back. */
	size_t len = key_of(7, key);
	const uint64_t h7 = pft_hash_bytes(key, len, 0);
	pft_strmap_cache_put(&map, &cache, pft_strmap_find(&map, key, len, h7), len);
	cr_assert(pft_strmap_remove(&map, key, len, h7));
	cr_assert_null(pft_strmap_cache_find(&map, &cache, key, len), "removed, still cached");
	len = key_of(8, key);
	cr_assert_null(pft_strmap_cache_find(&map, &cache, key, len), "emptied after a removal");

	struct value *empty = pft_strmap_upsert(&map, NULL, 0, pft_hash_bytes(NULL, 0, 0), NULL);
	cr_assert_not_null(empty);
	pft_strmap_cache_put(&map, &cache, empty, 0);
	cr_assert_eq(pft_strmap_cache_find(&map, &cache, NULL, 0), empty);
	cr_assert_eq(pft_strmap_cache_find(&map, &cache, "", 0), empty);
	pft_strmap_free(&map);
	pft_strmap_cache_init(&cache);
}
