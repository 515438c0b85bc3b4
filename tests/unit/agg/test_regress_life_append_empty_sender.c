/* Regression (found by tests/fuzz/fuzz_pipeline under UBSan, with --sender-domain): when the
 * later fragment of a message knew only an empty sender (from=<>, the bounce daemon's), its
 * string store was never allocated (strings == NULL), and appending it to the earlier fragment
 * computed `NULL + 0` — undefined behaviour, which the ASan+UBSan suite stops on. Strings of
 * a lifecycle are now read through life_str(), which gives "" for an empty store.
 * GCC's UBSan does not report `NULL + 0` (clang's does): the fuzz step replays the input it
 * was found with, tests/fuzz/seeds/fuzz_pipeline/regress-life-append-empty-sender, under
 * clang; this test pins the path and its result. */
#include <criterion/criterion.h>
#include <string.h>

#include "agg/agg.h"
#include "parse/parse.h"

static void apply(struct pft_life *life, const char *line)
{
	struct pft_event ev;
	pft_parse_line(line, strlen(line), &ev);
	cr_assert(ev.kind == PFT_EV_MESSAGE_ID || ev.kind == PFT_EV_QUEUED, "%s", line);
	const pft_stamp when = pft_stamp_make(0, 0, 2025, 11, 29, ev.time.hour * 3600u +
						     ev.time.min * 60u + ev.time.sec);
	cr_assert_eq(pft_life_apply(life, &ev, when), PFT_OK);
}

Test(regress_life_append_empty_sender, empty_sender_fragment_appends)
{
	struct pft_life *life = pft_life_new(NULL), *next = pft_life_new(NULL);
	cr_assert(life != NULL && next != NULL);
	life->flags |= PFT_LIFE_KEEP_FROM; /* as parts do when a sender-domain filter is on */
	next->flags |= PFT_LIFE_KEEP_FROM;
	apply(life, "Nov 29 00:32:15 mx1 postfix/cleanup[1]: 4jcSl70rrSz7xrf: message-id=<a@b>");
	apply(next, "Nov 29 00:32:16 mx1 postfix/qmgr[2]: 4jcSl70rrSz7xrf: from=<>, size=10, "
		    "nrcpt=1 (queue active)");
	cr_assert(next->flags & PFT_LIFE_FROM, "the empty sender is a known sender");
	cr_assert_null(next->strings, "the case: an empty string store");
	cr_assert_eq(pft_life_append(life, next), PFT_OK);
	cr_expect(life->flags & PFT_LIFE_FROM, "the sender (empty) is known after the append");
	pft_life_free(next);
	pft_life_free(life);
}
