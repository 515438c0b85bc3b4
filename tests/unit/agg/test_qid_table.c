/* src/agg/qid_table: a part's sharded ck_hs queue-ID table. Checked against what was put in:
 * every key finds its own value and no other, values never move while the shards grow, new
 * values are zeroed, iteration visits each key exactly once in the shard its hash names, and
 * a freed table is empty and reusable. Keys include hash collisions in the top bits (one
 * shard) and in the whole 64 bits (told apart by their bytes). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/qid_table.h"
#include "common/hash.h"

struct value {
	uint64_t id;
	char pad[40];
};

/* Key i: "host\0qid"-like, 3 to 60 bytes, distinct for each i. */
static size_t key_of(size_t i, char *buf)
{
	const size_t n = (size_t)snprintf(buf, 64, "mx%zu", i % 97);
	buf[n] = '\0';
	const size_t m = (size_t)snprintf(buf + n + 1, 48, "%zX%.*s", i, (int)(i % 23),
					  "QQQQQQQQQQQQQQQQQQQQQQQ");
	return n + 1 + m;
}

typedef uint64_t hash_fn(size_t i, const char *key, size_t len);

static void fill_and_check(struct pft_qid_table *t, size_t n, hash_fn *hash_of)
{
	char key[128];
	struct value **where = calloc(n, sizeof *where);
	cr_assert_not_null(where);
	for (size_t i = 0; i < n; i++) {
		const size_t len = key_of(i, key);
		struct value *v = pft_qid_table_upsert(t, key, len, hash_of(i, key, len));
		cr_assert_not_null(v);
		cr_assert_eq(v->id, 0, "key %zu: a new value is zeroed", i);
		v->id = i + 1;
		where[i] = v;
	}
	cr_assert_eq(t->count, n);
	for (size_t i = 0; i < n; i++) {
		const size_t len = key_of(i, key);
		const uint64_t h = hash_of(i, key, len);
		struct value *v = pft_qid_table_find(t, key, len, h);
		cr_assert_eq(v, where[i], "key %zu moved or was lost", i);
		cr_assert_eq(v->id, i + 1);
		cr_assert_eq(pft_qid_table_upsert(t, key, len, h), v, "upsert of a present key");
		/* A prefix of the key is another key, never present. */
		cr_assert_null(pft_qid_table_find(t, key, len - 1, h));
	}
	cr_assert_eq(t->count, n, "upserts of present keys add nothing");

	/* Iteration: each key once, in the shard of its hash, with its own bytes. */
	size_t seen = 0;
	char *visited = calloc(n, 1);
	cr_assert_not_null(visited);
	for (unsigned s = 0; s < PFT_QID_SHARDS; s++) {
		ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
		for (const struct pft_strmap_entry *e; (e = pft_qid_shard_next(t, s, &it));) {
			cr_assert_eq(pft_qid_shard_of(e->hash), s);
			const struct value *v = e->value;
			cr_assert(v->id >= 1 && v->id <= n);
			const size_t i = (size_t)(v->id - 1);
			cr_assert_eq(visited[i], 0, "key %zu visited twice", i);
			visited[i] = 1;
			const size_t len = key_of(i, key);
			cr_assert_eq(e->key_len, len);
			cr_assert_eq(memcmp(e->key, key, len), 0);
			cr_assert_eq(e->key[len], '\0', "the key copy is NUL-terminated");
			seen++;
		}
	}
	cr_assert_eq(seen, n);
	free(visited);
	free(where);
}

static uint64_t real_hash(size_t i, const char *key, size_t len)
{
	(void)i;
	return pft_hash_bytes(key, len, 0);
}

/* Every key in shard 5, and only 64 distinct hashes in all: ck_hs must tell the keys apart
 * by their bytes. */
static uint64_t colliding_hash(size_t i, const char *key, size_t len)
{
	(void)key;
	(void)len;
	const uint64_t low = (uint64_t)(i % 64) * 0x9E3779B97F4A7C15u >> PFT_QID_SHARD_BITS;
	return ((uint64_t)5 << (64 - PFT_QID_SHARD_BITS)) | low;
}

Test(qid_table, many_keys_grow_and_stay_put)
{
	struct pft_qid_table t;
	pft_qid_table_init(&t, sizeof(struct value));
	fill_and_check(&t, 50000, real_hash);
	pft_qid_table_free(&t);
	cr_assert_eq(t.count, 0);
	char key[128];
	const size_t len = key_of(7, key);
	cr_assert_null(pft_qid_table_find(&t, key, len, real_hash(7, key, len)), "freed = empty");
	fill_and_check(&t, 3000, real_hash); /* and reusable */
	pft_qid_table_free(&t);
}

Test(qid_table, full_hash_collisions)
{
	struct pft_qid_table t;
	pft_qid_table_init(&t, sizeof(struct value));
	fill_and_check(&t, 2000, colliding_hash);
	pft_qid_table_free(&t);
}

Test(qid_table, empty_table)
{
	struct pft_qid_table t;
	pft_qid_table_init(&t, sizeof(struct value));
	cr_assert_null(pft_qid_table_find(&t, "a", 1, 1));
	for (unsigned s = 0; s < PFT_QID_SHARDS; s++) {
		ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
		cr_assert_null(pft_qid_shard_next(&t, s, &it));
	}
	pft_qid_table_free(&t);
}
