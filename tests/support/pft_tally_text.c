#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "pft_test.h"
#include "report/report.h"

char *pft_test_tally_text(const char *text, size_t chunk_size, int year, struct pft_result *keep)
{
	struct pft_input_file file = {.path = "test.log", .format = PFT_FORMAT_PLAIN};
	struct pft_inputs inputs = {.files = &file, .n_files = 1, .n_streams = 1};
	const struct pft_limits limits = {.horizon = (int64_t)PFT_DEFAULT_HORIZON_DAYS * 86400};
	struct pft_merge *merge = pft_merge_new(&inputs, &limits);
	size_t len = strlen(text), pos = 0;
	int ok = merge != NULL;
	while (ok && pos < len) {
		/* Whole lines up to chunk_size; a longer line makes its own chunk. */
		size_t end = pos + chunk_size < len ? pos + chunk_size : len;
		if (end < len) {
			size_t cut = end;
			while (cut > pos && text[cut - 1] != '\n')
				cut--;
			if (cut == pos) {
				const char *nl = memchr(text + pos, '\n', len - pos);
				cut = nl ? (size_t)(nl - text) + 1 : len;
			}
			end = cut;
		}
		struct pft_chunk chunk = {.data = text + pos, .len = end - pos, .offset = pos};
		struct pft_part part;
		ok = pft_part_build(&part, &chunk, 0, &limits) == PFT_OK && pft_merge_part(merge, &part) == PFT_OK;
		pft_part_free(&part);
		pos = end;
	}
	struct pft_result result;
	struct pft_error err = {0};
	ok = ok && pft_merge_finish(merge, year, &result, &err) == PFT_OK;
	pft_merge_free(merge);
	if (!ok)
		return NULL;
	char *json = NULL;
	size_t json_len = 0;
	FILE *f = open_memstream(&json, &json_len);
	if (f == NULL || pft_report_json(&result, f) != PFT_OK) {
		if (f)
			fclose(f);
		free(json);
		json = NULL;
	} else {
		fclose(f);
	}
	if (keep)
		*keep = result;
	else
		pft_result_free(&result);
	return json;
}
