/* pftally — a part's queue-ID table: message key -> fixed-size value, split into
 * PFT_QID_SHARDS shards by the key's hash. Each shard is a Concurrency Kit ck_hs of entries
 * (object mode, the hash computed once by the caller and kept in the entry) with its own
 * arena for the entries, so a shard can be handed on (merged, iterated, freed) on its own.
 * ck_hs measured faster than ck_ht here (bench/micro/bench_table and bench/README.md).
 *
 * One writer: the worker building the part. ck_hs lets readers look up a shard while its
 * writer inserts (SPMC); nothing does so today — the merge reads a part only after its
 * worker has published it — so growth frees the old slot array at once. Entries never move:
 * a value pointer stays valid until the table is freed.
 *
 * Entries have the layout of struct pft_strmap_entry, so the merge handles a key from a part
 * and from its own maps alike. */
#ifndef PFT_QID_TABLE_H
#define PFT_QID_TABLE_H

#include <ck_hs.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/strmap.h"

#define PFT_QID_SHARD_BITS 4
#define PFT_QID_SHARDS (1u << PFT_QID_SHARD_BITS)

struct pft_qid_shard {
	ck_hs_t hs;                     /* struct pft_strmap_entry *, by key */
	struct pft_arena arena;         /* the entries, values and key copies */
	int ready;                      /* hs initialised (at the first insert) */
};

struct pft_qid_table {
	struct pft_qid_shard shards[PFT_QID_SHARDS];
	size_t value_size;
	size_t count;
	/* The entry found or made last: a message's records often come one after the other (a
	 * delivery to several recipients, cleanup then qmgr), and a hit here skips the shard. */
	const struct pft_strmap_entry *last;
};

/*! pft_qid_shard_of() : the shard of a key's hash (its top bits; ck_hs probes with the low
 *  ones). */
static inline unsigned pft_qid_shard_of(uint64_t hash)
{
	return (unsigned)(hash >> (64 - PFT_QID_SHARD_BITS));
}

void pft_qid_table_init(struct pft_qid_table *t, size_t value_size);
void pft_qid_table_free(struct pft_qid_table *t);

/*! pft_qid_table_find() : @return the value of key, or NULL. */
void *pft_qid_table_find(struct pft_qid_table *t, const void *key, size_t key_len, uint64_t hash);

/*! pft_qid_table_upsert() : @return the value of key, inserting a zeroed one when absent;
 *  NULL only when out of memory. */
void *pft_qid_table_upsert(struct pft_qid_table *t, const void *key, size_t key_len,
			   uint64_t hash);

/*! pft_qid_table_last() : the entry found or made last (NULL: none yet). */
static inline const struct pft_strmap_entry *pft_qid_table_last(const struct pft_qid_table *t)
{
	return t->last;
}

/*! pft_qid_shard_next() : iterates one shard, in no particular order (*it starts as
 *  CK_HS_ITERATOR_INITIALIZER); @return the next entry, or NULL at the end. The table must not change meanwhile. */
const struct pft_strmap_entry *pft_qid_shard_next(struct pft_qid_table *t, unsigned shard,
						  ck_hs_iterator_t *it);

#endif
