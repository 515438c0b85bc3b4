/* A strict JSON validator for the fuzz targets (see fuzz_check.h). */
#include "fuzz_check.h"

#include <string.h>

struct span {
	const char *p;
	size_t n;
};

struct jr {
	const char *p, *end, *start;
	const char *why;
	const char *at;
	int depth;
};

#define MAX_DEPTH 64

static int fail(struct jr *r, const char *why)
{
	if (r->why == NULL) {
		r->why = why;
		r->at = r->p;
	}
	return 0;
}

static void skip_ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int hex4(struct jr *r, unsigned *out)
{
	unsigned v = 0;
	if (r->end - r->p < 4)
		return fail(r, "short \\u escape");
	for (int i = 0; i < 4; i++) {
		const char c = r->p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(r, "bad hex digit in \\u escape");
	}
	r->p += 4;
	*out = v;
	return 1;
}

/* One UTF-8 sequence starting at r->p (a byte >= 0x80): well-formed per RFC 3629. */
static int utf8_seq(struct jr *r)
{
	const unsigned char *u = (const unsigned char *)r->p;
	const size_t left = (size_t)(r->end - r->p);
	size_t len;
	unsigned cp;
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		len = 2;
		cp = u[0] & 0x1fu;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		len = 3;
		cp = u[0] & 0x0fu;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		len = 4;
		cp = u[0] & 0x07u;
	} else {
		return fail(r, "invalid UTF-8 lead byte in a string");
	}
	if (left < len)
		return fail(r, "truncated UTF-8 sequence in a string");
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return fail(r, "invalid UTF-8 continuation byte in a string");
		cp = cp << 6 | (u[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
		return fail(r, "overlong UTF-8 sequence in a string");
	if (cp >= 0xd800 && cp <= 0xdfff)
		return fail(r, "UTF-8 encoded surrogate in a string");
	if (cp > 0x10ffff)
		return fail(r, "UTF-8 sequence past U+10FFFF in a string");
	r->p += len;
	return 1;
}

static int string(struct jr *r, struct span *raw)
{
	if (r->p >= r->end || *r->p != '"')
		return fail(r, "expected a string");
	r->p++;
	const char *begin = r->p;
	for (;;) {
		if (r->p >= r->end)
			return fail(r, "unterminated string");
		const unsigned char c = (unsigned char)*r->p;
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(r, "raw control byte in a string");
		if (c == '\\') {
			r->p++;
			if (r->p >= r->end)
				return fail(r, "unterminated escape");
			const char e = *r->p++;
			if (e == 'u') {
				unsigned v;
				if (!hex4(r, &v))
					return 0;
				if (v >= 0xdc00 && v <= 0xdfff)
					return fail(r, "lone low surrogate escape");
				if (v >= 0xd800 && v <= 0xdbff) {
					unsigned lo;
					if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
						return fail(r, "lone high surrogate escape");
					r->p += 2;
					if (!hex4(r, &lo))
						return 0;
					if (lo < 0xdc00 || lo > 0xdfff)
						return fail(r, "high surrogate without a low one");
				}
			} else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
				return fail(r, "bad escape");
			}
			continue;
		}
		if (c >= 0x80) {
			if (!utf8_seq(r))
				return 0;
			continue;
		}
		r->p++;
	}
	if (raw) {
		raw->p = begin;
		raw->n = (size_t)(r->p - begin);
	}
	r->p++;
	return 1;
}

static int digits(struct jr *r)
{
	const char *s = r->p;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return r->p > s;
}

static int number(struct jr *r)
{
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p < r->end && *r->p == '0')
		r->p++;
	else if (!digits(r))
		return fail(r, "bad number");
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (!digits(r))
			return fail(r, "bad fraction");
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (!digits(r))
			return fail(r, "bad exponent");
	}
	return 1;
}

static int literal(struct jr *r, const char *word)
{
	const size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return fail(r, "unexpected character");
	r->p += n;
	return 1;
}

static int span_compare(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	const size_t n = x->n < y->n ? x->n : y->n;
	const int c = memcmp(x->p, y->p, n);
	if (c != 0)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

static int value(struct jr *r);

static int object(struct jr *r)
{
	struct span *keys = NULL;
	size_t n_keys = 0, cap = 0;
	int ok = 0;
	r->p++; /* '{' */
	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return 1;
	}
	for (;;) {
		struct span key;
		skip_ws(r);
		if (!string(r, &key))
			goto out;
		if (n_keys == cap) {
			cap = cap ? cap * 2 : 16;
			struct span *grown = realloc(keys, cap * sizeof *grown);
			if (grown == NULL)
				abort();
			keys = grown;
		}
		keys[n_keys++] = key;
		skip_ws(r);
		if (r->p >= r->end || *r->p != ':') {
			fail(r, "expected ':'");
			goto out;
		}
		r->p++;
		if (!value(r))
			goto out;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			break;
		}
		fail(r, "expected ',' or '}'");
		goto out;
	}
	/* The writers escape deterministically, so equal keys have equal escaped forms. */
	qsort(keys, n_keys, sizeof *keys, span_compare);
	for (size_t i = 1; i < n_keys; i++) {
		if (span_compare(&keys[i - 1], &keys[i]) == 0) {
			r->why = "duplicate key in an object";
			r->at = keys[i].p;
			goto out;
		}
	}
	ok = 1;
out:
	free(keys);
	return ok;
}

static int array(struct jr *r)
{
	r->p++; /* '[' */
	skip_ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return 1;
	}
	for (;;) {
		if (!value(r))
			return 0;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return 1;
		}
		return fail(r, "expected ',' or ']'");
	}
}

static int value(struct jr *r)
{
	skip_ws(r);
	if (r->p >= r->end)
		return fail(r, "expected a value");
	if (++r->depth > MAX_DEPTH)
		return fail(r, "nested too deep");
	int ok;
	switch (*r->p) {
	case '{': ok = object(r); break;
	case '[': ok = array(r); break;
	case '"': ok = string(r, NULL); break;
	case 't': ok = literal(r, "true"); break;
	case 'f': ok = literal(r, "false"); break;
	case 'n': ok = literal(r, "null"); break;
	default: ok = number(r); break;
	}
	r->depth--;
	return ok;
}

const char *fuzz_json_check(const char *s, size_t n, size_t *at)
{
	struct jr r = {.p = s, .end = s + n, .start = s};
	if (value(&r)) {
		skip_ws(&r);
		if (r.p != r.end)
			fail(&r, "bytes after the document");
	}
	if (r.why != NULL && at != NULL)
		*at = (size_t)(r.at - s);
	return r.why;
}
