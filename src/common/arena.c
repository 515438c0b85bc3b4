#include "common/arena.h"

#include <stdint.h>
#include <stdlib.h>

/* Blocks grow from ARENA_FIRST_BLOCK to ARENA_BLOCK, so the many small arenas (a part's
 * queue-ID shards) touch little memory and the big ones few blocks. */
#define ARENA_FIRST_BLOCK ((size_t)16 << 10)
#define ARENA_BLOCK ((size_t)256 << 10)

struct pft_arena_block {
	struct pft_arena_block *next;
	_Alignas(16) char data[];
};

void *pft_arena_alloc(struct pft_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (a->cur == NULL || (size_t)(a->end - a->cur) < n) {
		const size_t size = a->next_block ? a->next_block : ARENA_FIRST_BLOCK;
		if (n > size / 4) {
			/* A big one: a block of its own, linked behind the one being filled. */
			struct pft_arena_block *b = malloc(sizeof *b + n);
			if (b == NULL)
				return NULL;
			if (a->blocks != NULL) {
				b->next = a->blocks->next;
				a->blocks->next = b;
			} else {
				b->next = NULL;
				a->blocks = b;
			}
			return b->data;
		}
		struct pft_arena_block *b = malloc(sizeof *b + size);
		if (b == NULL)
			return NULL;
		b->next = a->blocks;
		a->blocks = b;
		a->cur = b->data;
		a->end = b->data + size;
		a->next_block = size < ARENA_BLOCK ? 2 * size : ARENA_BLOCK;
	}
	void *p = a->cur;
	a->cur += n;
	return p;
}

void pft_arena_free(struct pft_arena *a)
{
	for (struct pft_arena_block *b = a->blocks, *next; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->blocks = NULL;
	a->cur = a->end = NULL;
	a->next_block = 0;
}
