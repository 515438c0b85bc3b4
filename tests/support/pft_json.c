/* A small JSON reader for tests: flattens numeric leaves to dotted paths. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pft_test.h"

struct leaf {
	char *path;
	long long value;
};

struct leaves {
	struct leaf *v;
	size_t n, cap;
};

struct reader {
	const char *p;
	int bad;
};

static void skip_ws(struct reader *r)
{
	while (*r->p && isspace((unsigned char)*r->p))
		r->p++;
}

/* Reads a string into buf (escapes kept raw except \" and \\; dots escaped as "\."). */
static void read_string(struct reader *r, char *buf, size_t size)
{
	size_t n = 0;
	if (*r->p != '"') {
		r->bad = 1;
		return;
	}
	r->p++;
	while (*r->p && *r->p != '"') {
		char c = *r->p++;
		if (c == '\\' && *r->p)
			c = *r->p++;
		if (c == '.' && n + 1 < size)
			buf[n++] = '\\';
		if (n + 1 < size)
			buf[n++] = c;
	}
	if (*r->p == '"')
		r->p++;
	else
		r->bad = 1;
	buf[n] = '\0';
}

static void add_leaf(struct leaves *out, const char *path, long long value)
{
	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 256;
		out->v = realloc(out->v, out->cap * sizeof *out->v);
	}
	out->v[out->n++] = (struct leaf){strdup(path), value};
}

static void read_value(struct reader *r, char *path, size_t plen, struct leaves *out)
{
	skip_ws(r);
	if (r->bad)
		return;
	if (*r->p == '{' || *r->p == '[') {
		char close = *r->p == '{' ? '}' : ']';
		int is_object = close == '}';
		r->p++;
		for (size_t index = 0;; index++) {
			skip_ws(r);
			if (*r->p == close) {
				r->p++;
				return;
			}
			char key[1024];
			if (is_object) {
				read_string(r, key, sizeof key);
				skip_ws(r);
				if (*r->p != ':') {
					r->bad = 1;
					return;
				}
				r->p++;
			} else {
				snprintf(key, sizeof key, "%zu", index);
			}
			size_t n = strlen(path);
			snprintf(path + n, plen - n, "%s%s", n ? "." : "", key);
			read_value(r, path, plen, out);
			path[n] = '\0';
			skip_ws(r);
			if (*r->p == ',')
				r->p++;
			else if (*r->p != close) {
				r->bad = 1;
				return;
			}
		}
	} else if (*r->p == '"') {
		char tmp[4096];
		read_string(r, tmp, sizeof tmp);
	} else if (*r->p == '-' || isdigit((unsigned char)*r->p)) {
		char *end;
		long long v = strtoll(r->p, &end, 10);
		if (*end == '.' || *end == 'e' || *end == 'E')
			strtod(r->p, &end);
		r->p = end;
		add_leaf(out, path, v);
	} else if (strncmp(r->p, "true", 4) == 0 || strncmp(r->p, "null", 4) == 0) {
		r->p += 4;
	} else if (strncmp(r->p, "false", 5) == 0) {
		r->p += 5;
	} else {
		r->bad = 1;
	}
}

static int flatten(const char *json, struct leaves *out)
{
	struct reader r = {json, 0};
	char path[8192] = "";
	memset(out, 0, sizeof *out);
	read_value(&r, path, sizeof path, out);
	return !r.bad;
}

static void free_leaves(struct leaves *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
}

int pft_test_json_number(const char *json, const char *path, long long *value)
{
	struct leaves l;
	int found = 0;
	if (flatten(json, &l))
		for (size_t i = 0; i < l.n && !found; i++)
			if (strcmp(l.v[i].path, path) == 0) {
				*value = l.v[i].value;
				found = 1;
			}
	free_leaves(&l);
	return found;
}

static int leaf_cmp(const void *a, const void *b)
{
	return strcmp(((const struct leaf *)a)->path, ((const struct leaf *)b)->path);
}

int pft_test_json_compare_leaves(const char *expected, const char *actual, char *msg, size_t size)
{
	struct leaves e, a;
	int ok_e = flatten(expected, &e), ok_a = flatten(actual, &a);
	int mismatches = 0;
	size_t used = 0;
	msg[0] = '\0';
	if (!ok_e || !ok_a) {
		snprintf(msg, size, "invalid JSON in %s", ok_e ? "actual" : "expected");
		mismatches = 1;
	} else {
		qsort(a.v, a.n, sizeof *a.v, leaf_cmp);
		for (size_t i = 0; i < e.n; i++) {
			struct leaf key = {e.v[i].path, 0};
			struct leaf *hit = bsearch(&key, a.v, a.n, sizeof *a.v, leaf_cmp);
			if (hit != NULL && hit->value == e.v[i].value)
				continue;
			mismatches++;
			if (used + 200 < size)
				used += (size_t)snprintf(msg + used, size - used, "%s: expected %lld, got %s%lld; ",
							 e.v[i].path, e.v[i].value, hit ? "" : "(missing) ",
							 hit ? hit->value : 0);
		}
	}
	free_leaves(&e);
	free_leaves(&a);
	return mismatches;
}
