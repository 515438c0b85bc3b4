/* Regression (found by tests/fuzz/fuzz_pipeline): a delivery line whose relay host is empty
 * counted the attempt under an empty key that came as a NULL slice, and pft_strmap_upsert()
 * copied it with memcpy(dst, NULL, 0) — undefined behaviour that UBSan reports. An empty key
 * given as NULL is a valid key. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/strmap.h"
#include "pft_test.h"

Test(regress_strmap_empty_key, null_empty_key_is_a_key)
{
	struct pft_strmap map;
	pft_strmap_init(&map, sizeof(uint64_t));
	const uint64_t h = pft_hash_bytes(NULL, 0, 0);
	int added = 0;
	uint64_t *v = pft_strmap_upsert(&map, NULL, 0, h, &added);
	cr_assert_not_null(v);
	cr_expect_eq(added, 1);
	*v = 7;
	cr_expect_str_eq(pft_strmap_key_of(&map, v), "");
	/* The same empty key, given as a non-NULL pointer, finds the same entry. */
	uint64_t *again = pft_strmap_upsert(&map, "", 0, h, &added);
	cr_expect_eq(again, v);
	cr_expect_eq(added, 0);
	cr_expect_eq(pft_strmap_find(&map, NULL, 0, h), v);
	pft_strmap_free(&map);
}

/* The line the fuzzer found, reduced: a delivery record without relay= (a damaged field
 * name), and one with an empty relay=. */
Test(regress_strmap_empty_key, delivery_without_relay)
{
	const char *log = "Jun 17 10:00:00 mx1 postfix/smtp[1]: 1A2B3C4D5E: to=<a@b.example>, "
			  "re\023lay=x.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, "
			  "status=sent (ok)\n"
			  "Jun 17 10:00:01 mx1 postfix/smtp[1]: 1A2B3C4D5E: to=<b@b.example>, "
			  "relay=, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)\n";
	char *json = pft_test_tally_text(log, 1 << 20, 2024, NULL);
	cr_assert_not_null(json);
	long long sent = -1;
	cr_assert(pft_test_json_number(json, "attempts.sent", &sent));
	cr_expect_eq(sent, 2);
	free(json);
}
