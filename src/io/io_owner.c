/* Reference-counted chunk memory: mapping windows and decode buffers outlive the reader's
 * callback while worker threads parse them. */
#include <ck_pr.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "io/io_internal.h"

struct pft_chunk_owner {
	int refs;
	int is_map;
	void *mem;
	size_t len;
};

struct pft_chunk_owner *pft_io_owner_new(void *mem, size_t len, int is_map)
{
	struct pft_chunk_owner *o = malloc(sizeof *o);
	if (o == NULL)
		return NULL;
	*o = (struct pft_chunk_owner){.refs = 1, .is_map = is_map, .mem = mem, .len = len};
	return o;
}

int pft_io_owner_shared(struct pft_chunk_owner *owner)
{
	return ck_pr_load_int(&owner->refs) > 1;
}

void pft_chunk_retain(const struct pft_chunk *chunk)
{
	if (chunk->owner != NULL)
		ck_pr_inc_int(&chunk->owner->refs);
}

void pft_chunk_release(struct pft_chunk_owner *owner)
{
	if (owner == NULL)
		return;
	bool last;
	ck_pr_dec_int_zero(&owner->refs, &last);
	if (!last)
		return;
	if (owner->is_map)
		munmap(owner->mem, owner->len);
	else
		free(owner->mem);
	free(owner);
}
