/* pftally micro benchmark: the per-part queue-ID table. The keys are the message keys
 * (host, instance, queue id) of a log's lifecycle records, in log order, cut into per-chunk
 * batches as the workers see them; each batch starts with an empty table, like a part.
 *
 *   bench_table [--bytes SIZE] [--file PATH] [--chunk SIZE] [--reps N]
 *
 * Rows, in ns per lookup-or-insert (best and median of N runs):
 *   strmap     src/common/strmap (open addressing, entries in the part's arena) — what the
 *              parts use;
 *   ck_hs      Concurrency Kit's ck_hs (SPMC, object mode) with the same entries in the same
 *              arena and the same hash (one table);
 *   ck_ht      Concurrency Kit's ck_ht (byte-string mode: hash and length kept in the slot),
 *              the same entries, arena and hash (one table);
 *   qid_table  src/agg/qid_table: what the parts use — 16 shards, each a ck_hs with its own
 *              arena.
 * All are single-writer here, as in a part. */
#include <ck_hs.h>
#include <ck_ht.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agg/agg.h"
#include "agg/agg_internal.h"
#include "agg/qid_table.h"
#include "bench_gen.h"
#include "common/arena.h"
#include "common/hash.h"
#include "common/strmap.h"
#include "parse/parse.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct key {
	uint64_t hash;
	uint32_t len;
	uint32_t batch;         /* the chunk the record is in */
	char bytes[96];
};

struct entry {
	uint64_t hash;
	uint32_t len;
	uint32_t value;
	const char *key;        /* bytes, or the looked-up key in a probe */
	char bytes[];
};

static struct key *collect_keys(const char *data, size_t len, size_t chunk, size_t *n_keys)
{
	size_t cap = 1 << 16, n = 0;
	struct key *keys = malloc(cap * sizeof *keys);
	const char *p = data, *end = data + len;
	while (keys != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		struct pft_event ev;
		pft_parse_line(p, (size_t)(e - p), &ev);
		if (ev.qid.n > 0 && ev.kind >= PFT_EV_DELIVERY && ev.kind <= PFT_EV_REJECT) {
			if (n == cap) {
				struct key *grown = realloc(keys, (cap *= 2) * sizeof *keys);
				if (grown == NULL) {
					free(keys);
					return NULL;
				}
				keys = grown;
			}
			struct key *k = &keys[n];
			size_t kn = pft_message_key(&ev, &ev.qid, k->bytes, sizeof k->bytes);
			if (kn > 0) {
				k->len = (uint32_t)kn;
				k->hash = pft_hash_bytes(k->bytes, kn, 0);
				k->batch = (uint32_t)((size_t)(p - data) / chunk);
				n++;
			}
		}
		p = nl ? nl + 1 : end;
	}
	*n_keys = n;
	return keys;
}

static uint64_t run_strmap(const struct key *keys, size_t n)
{
	uint64_t acc = 0;
	struct pft_arena arena = {0};
	struct pft_strmap map;
	pft_strmap_init_arena(&map, sizeof(uint32_t), &arena);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && keys[i].batch != keys[i - 1].batch) {
			pft_strmap_free(&map);
			pft_arena_free(&arena);
			pft_strmap_init_arena(&map, sizeof(uint32_t), &arena);
		}
		uint32_t *v = pft_strmap_upsert(&map, keys[i].bytes, keys[i].len, keys[i].hash, NULL);
		if (v == NULL)
			abort();
		acc += ++*v;
	}
	pft_strmap_free(&map);
	pft_arena_free(&arena);
	return acc;
}

static void *hs_malloc(size_t n)
{
	return malloc(n);
}

static void hs_free(void *p, size_t n, bool defer)
{
	(void)n;
	(void)defer;
	free(p);
}

static struct ck_malloc hs_allocator = {.malloc = hs_malloc, .free = hs_free};

static unsigned long hs_hash(const void *object, unsigned long seed)
{
	(void)seed;
	return (unsigned long)((const struct entry *)object)->hash;
}

static bool hs_compare(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return x->len == y->len && memcmp(x->key, y->key, x->len) == 0;
}

static void hs_open(ck_hs_t *hs)
{
	if (!ck_hs_init(hs, CK_HS_MODE_OBJECT | CK_HS_MODE_SPMC, hs_hash, hs_compare, &hs_allocator,
			1024, 0))
		abort();
}

static uint64_t run_ck_hs(const struct key *keys, size_t n)
{
	uint64_t acc = 0;
	struct pft_arena arena = {0};
	ck_hs_t hs;
	hs_open(&hs);
	struct entry probe; /* points at the key looked up: nothing is copied */
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && keys[i].batch != keys[i - 1].batch) {
			ck_hs_destroy(&hs);
			pft_arena_free(&arena);
			hs_open(&hs);
		}
		probe.hash = keys[i].hash;
		probe.len = keys[i].len;
		probe.key = keys[i].bytes;
		struct entry *e = ck_hs_get(&hs, (unsigned long)keys[i].hash, &probe);
		if (e == NULL) {
			e = pft_arena_alloc(&arena, sizeof *e + keys[i].len);
			if (e == NULL)
				abort();
			*e = (struct entry){.hash = keys[i].hash, .len = keys[i].len};
			memcpy(e->bytes, keys[i].bytes, keys[i].len);
			e->key = e->bytes;
			if (!ck_hs_put_unique(&hs, (unsigned long)e->hash, e))
				abort();
		}
		acc += ++e->value;
	}
	ck_hs_destroy(&hs);
	pft_arena_free(&arena);
	return acc;
}

static void ht_hash(ck_ht_hash_t *h, const void *key, size_t len, uint64_t seed)
{
	h->value = pft_hash_bytes(key, len, seed);
}

static uint64_t run_ck_ht(const struct key *keys, size_t n)
{
	uint64_t acc = 0;
	struct pft_arena arena = {0};
	ck_ht_t ht;
	if (!ck_ht_init(&ht, CK_HT_MODE_BYTESTRING, ht_hash, &hs_allocator, 1024, 0))
		abort();
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && keys[i].batch != keys[i - 1].batch) {
			ck_ht_destroy(&ht);
			pft_arena_free(&arena);
			if (!ck_ht_init(&ht, CK_HT_MODE_BYTESTRING, ht_hash, &hs_allocator, 1024, 0))
				abort();
		}
		const ck_ht_hash_t h = {keys[i].hash};
		ck_ht_entry_t slot;
		ck_ht_entry_key_set(&slot, keys[i].bytes, (uint16_t)keys[i].len);
		struct entry *e;
		if (ck_ht_get_spmc(&ht, h, &slot)) {
			e = ck_ht_entry_value(&slot);
		} else {
			e = pft_arena_alloc(&arena, sizeof *e + keys[i].len);
			if (e == NULL)
				abort();
			*e = (struct entry){.hash = keys[i].hash, .len = keys[i].len};
			memcpy(e->bytes, keys[i].bytes, keys[i].len);
			e->key = e->bytes;
			ck_ht_entry_set(&slot, h, e->bytes, (uint16_t)e->len, e);
			if (!ck_ht_put_spmc(&ht, h, &slot))
				abort();
		}
		acc += ++e->value;
	}
	ck_ht_destroy(&ht);
	pft_arena_free(&arena);
	return acc;
}

static uint64_t run_qid_table(const struct key *keys, size_t n)
{
	uint64_t acc = 0;
	struct pft_qid_table t;
	pft_qid_table_init(&t, sizeof(uint32_t));
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && keys[i].batch != keys[i - 1].batch)
			pft_qid_table_free(&t);
		uint32_t *v = pft_qid_table_upsert(&t, keys[i].bytes, keys[i].len, keys[i].hash);
		if (v == NULL)
			abort();
		acc += ++*v;
	}
	pft_qid_table_free(&t);
	return acc;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *data = size >= 0 ? malloc((size_t)size + 1) : NULL;
	if (data != NULL && fread(data, 1, (size_t)size, f) != (size_t)size) {
		free(data);
		data = NULL;
	}
	fclose(f);
	*len = data ? (size_t)size : 0;
	return data;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	size_t bytes = (size_t)256 << 20, chunk = PFT_DEFAULT_CHUNK_SIZE;
	const char *file = NULL;
	int reps = 5;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc)
			bytes = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc)
			chunk = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_table [--bytes SIZE] [--file PATH] [--chunk SIZE] "
					"[--reps N]\n");
			return 2;
		}
	}
	if (reps < 1 || chunk == 0) {
		fprintf(stderr, "bench_table: --reps and --chunk must be positive\n");
		return 2;
	}
	size_t len = 0;
	char *data = file ? read_file(file, &len) : pft_bench_gen_log(1, bytes, &len);
	if (data == NULL) {
		fprintf(stderr, "bench_table: %s: %s\n", file ? file : "generator", strerror(errno));
		return 1;
	}
	size_t n = 0;
	struct key *keys = collect_keys(data, len, chunk, &n);
	free(data);
	if (keys == NULL || n == 0) {
		fprintf(stderr, "bench_table: no lifecycle records\n");
		return 1;
	}
	printf("%zu lifecycle records in %zu chunks of %zu bytes\n", n,
	       (size_t)keys[n - 1].batch + 1, chunk);
	static const struct {
		const char *name;
		uint64_t (*run)(const struct key *, size_t);
	} rows[] = {{"strmap", run_strmap}, {"ck_hs", run_ck_hs}, {"ck_ht", run_ck_ht}, {"qid_table", run_qid_table}};
	uint64_t check = 0;
	double *t = malloc((size_t)reps * sizeof *t);
	for (size_t r = 0; t != NULL && r < sizeof rows / sizeof rows[0]; r++) {
		uint64_t acc = 0;
		for (int i = 0; i < reps; i++) {
			double t0 = now();
			acc = rows[r].run(keys, n);
			t[i] = now() - t0;
		}
		if (r == 0)
			check = acc;
		else if (acc != check) {
			fprintf(stderr, "bench_table: %s disagrees with strmap\n", rows[r].name);
			return 1;
		}
		qsort(t, (size_t)reps, sizeof *t, cmp_double);
		printf("%-9s best %6.1f ns/op  median %6.1f ns/op\n", rows[r].name, t[0] * 1e9 / (double)n,
		       t[reps / 2] * 1e9 / (double)n);
	}
	free(t);
	free(keys);
	return 0;
}
