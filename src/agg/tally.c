/* The whole run, single-threaded: every input file in order -> chunks -> parts -> merge. */
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"

struct tally_ctx {
	const struct pft_inputs *inputs;
	struct pft_merge *merge;
};

static enum pft_status on_chunk(void *arg, const struct pft_chunk *chunk)
{
	struct tally_ctx *ctx = arg;
	struct pft_part part;
	enum pft_status status =
		pft_part_build(&part, chunk, ctx->inputs->files[chunk->file_index].stream);
	if (status == PFT_OK)
		status = pft_merge_part(ctx->merge, &part);
	pft_part_free(&part);
	return status;
}

enum pft_status pft_tally(const struct pft_inputs *inputs, const struct pft_tally_options *options,
			  struct pft_result *out, struct pft_error *err)
{
	size_t chunk_size = options->chunk_size ? options->chunk_size : PFT_DEFAULT_CHUNK_SIZE;
	struct tally_ctx ctx = {.inputs = inputs, .merge = pft_merge_new(inputs)};
	if (ctx.merge == NULL)
		return pft_error_set(err, PFT_ERR_NOMEM, 0, NULL, 0, NULL);
	enum pft_status status = PFT_OK;
	for (size_t i = 0; status == PFT_OK && i < inputs->n_files; i++) {
		status = pft_input_read(inputs, i, chunk_size, on_chunk, &ctx, err);
		if (status == PFT_ERR_NOMEM)
			pft_error_set(err, status, 0, inputs->files[i].path, 0, NULL);
	}
	if (status == PFT_OK)
		status = pft_merge_finish(ctx.merge, options->year, out, err);
	pft_merge_free(ctx.merge);
	return status;
}
