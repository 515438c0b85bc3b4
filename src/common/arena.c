#include "common/arena.h"

#include <stdint.h>
#include <stdlib.h>

#define ARENA_BLOCK ((size_t)256 << 10)

struct pft_arena_block {
	struct pft_arena_block *next;
	_Alignas(16) char data[];
};

void *pft_arena_alloc(struct pft_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (a->cur == NULL || (size_t)(a->end - a->cur) < n) {
		if (n > ARENA_BLOCK / 4) {
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
		struct pft_arena_block *b = malloc(sizeof *b + ARENA_BLOCK);
		if (b == NULL)
			return NULL;
		b->next = a->blocks;
		a->blocks = b;
		a->cur = b->data;
		a->end = b->data + ARENA_BLOCK;
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
}
