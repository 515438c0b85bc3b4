/* What the summary and trace commands share (see cli_common.h). */
#include "cli/cli_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_parse_size(const char *s, size_t *out)
{
	errno = 0;
	char *end;
	const unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || s[0] == '-')
		return 0;
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end += *end == 'i' && end[1] == 'B' ? 2 : 1;
	if (*end != '\0' || v == 0 || v > (~0ull >> shift))
		return 0;
	*out = (size_t)(v << shift);
	return 1;
}

void cli_print_error(const struct pft_error *err)
{
	fputs("pftally: ", stderr);
	if (err->path[0])
		fprintf(stderr, "%s: ", err->path);
	fputs(pft_status_str(err->status), stderr);
	if (err->offset)
		fprintf(stderr, " at byte %llu", (unsigned long long)err->offset);
	if (err->detail[0])
		fprintf(stderr, ": %s", err->detail); /* ends with errno's text, if any */
	fputc('\n', stderr);
}
