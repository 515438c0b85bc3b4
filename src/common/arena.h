/* pftally — a bump allocator: many small allocations freed together (a part's fragments and
 * lifecycles, freed when the part is merged). Not thread-safe: one owner. */
#ifndef PFT_ARENA_H
#define PFT_ARENA_H

#include <stddef.h>

struct pft_arena_block;

struct pft_arena {
	struct pft_arena_block *blocks; /* newest first */
	char *cur, *end;                /* free space in the newest block */
	size_t next_block;              /* the size of the next block (0: the first) */
};

/*! pft_arena_alloc() : n bytes aligned to 16, uninitialised; NULL if out of memory. */
void *pft_arena_alloc(struct pft_arena *arena, size_t n);

/*! pft_arena_free() : frees every allocation at once; the arena is empty and reusable. */
void pft_arena_free(struct pft_arena *arena);

#endif
