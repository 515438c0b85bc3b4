/* Reference-counted chunk memory: mapping windows and decode buffers outlive the reader's
 * callback while worker threads parse them.
 *
 * C11 atomics with acquire/release: a worker's reads of a chunk happen before its release,
 * and the reader reuses or frees the memory only after seeing the count drop (acquire), so
 * the hand-off is ordered on every architecture and ThreadSanitizer can check it. */
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "io/io_internal.h"

struct pft_chunk_owner {
	atomic_int refs;
	int is_map;
	void *mem;
	size_t len;
};

struct pft_chunk_owner *pft_io_owner_new(void *mem, size_t len, int is_map)
{
	struct pft_chunk_owner *o = malloc(sizeof *o);
	if (o == NULL)
		return NULL;
	atomic_init(&o->refs, 1);
	o->is_map = is_map;
	o->mem = mem;
	o->len = len;
	return o;
}

int pft_io_owner_shared(struct pft_chunk_owner *owner)
{
	return atomic_load_explicit(&owner->refs, memory_order_acquire) > 1;
}

void pft_chunk_retain(const struct pft_chunk *chunk)
{
	if (chunk->owner != NULL)
		atomic_fetch_add_explicit(&chunk->owner->refs, 1, memory_order_relaxed);
}

void pft_chunk_release(struct pft_chunk_owner *owner)
{
	if (owner == NULL)
		return;
	if (atomic_fetch_sub_explicit(&owner->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (owner->is_map)
		munmap(owner->mem, owner->len);
	else
		free(owner->mem);
	free(owner);
}
