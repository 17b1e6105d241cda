/*
 * json.h — reading hand-written JSON with errors that say where.
 *
 * cJSON builds the tree; this module adds what authors need around it:
 *   - `//` and `/ * * /` comments (blanked out, so line:column stay exact);
 *   - a UTF-8 check, an empty-file check, a nesting limit;
 *   - a strict syntax pass that names the first problem precisely
 *     ("trailing comma", "unterminated string", …) — cJSON only says where;
 *   - the line:column of every value and key (cJSON keeps none);
 *   - duplicate-key detection (cJSON silently keeps both);
 *   - typed getters that report `FILE:LINE:COL: error: PATH: expected …, got …`
 *     and collect every problem in one pass.
 *
 * Ownership: jr_parse returns a cJSON tree the caller frees with
 * cJSON_Delete (after jr_free, or before — they are independent). The jr
 * owns its copy of the text, its position map and its error text.
 */
#ifndef IOMMULAB_JSON_H
#define IOMMULAB_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define JR_MAX_DEPTH 64

struct jr_pos {
	const cJSON *node;
	int line, col;   /* of the value */
	int kline, kcol; /* of its key, when a member of an object */
};

struct jr {
	const char *file;
	char *text; /* comment-stripped copy */
	size_t len;
	struct jr_pos *pos; /* sorted by node pointer after parse */
	size_t npos, cappos;
	char *err; /* accumulated error lines, each ending in '\n' */
	size_t errlen, errcap;
	int nerr, max_errors;
};

void jr_init(struct jr *jr, const char *file);
void jr_free(struct jr *jr);

/* Parse buf (len bytes, not necessarily NUL-terminated). Returns the tree,
 * or NULL after recording the error(s). */
cJSON *jr_parse(struct jr *jr, const char *buf, size_t len);

/* Errors. `at` may be NULL (then line 1, col 1). path is the JSON path
 * ("steps[2].gva"). The message follows "PATH: ". */
void jr_error(struct jr *jr, const cJSON *at, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void jr_error_key(struct jr *jr, const cJSON *member, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void jr_error_at(struct jr *jr, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int jr_line(const struct jr *jr, const cJSON *n, int *col);

/* Path building: child of an object / element of an array. */
void jr_path_key(char *out, size_t cap, const char *parent, const char *key);
void jr_path_idx(char *out, size_t cap, const char *parent, int idx);

/* Render a value briefly for "got …" (quoted, truncated). */
void jr_brief(const cJSON *n, char *buf, size_t cap);

/* Each getter returns 0 on success, -1 after reporting an error. */
int jr_expect_object(struct jr *jr, const cJSON *n, const char *path);
/* Unknown keys get an error with a "did you mean" hint. allowed is NULL-terminated. */
int jr_check_keys(struct jr *jr, const cJSON *obj, const char *path, const char *const *allowed);
/* A required member; reports "missing key" at the object. */
const cJSON *jr_require(struct jr *jr, const cJSON *obj, const char *path, const char *key);
const cJSON *jr_member(const cJSON *obj, const char *key);

/* Non-negative integer: a JSON integer or a "0x…"/decimal string. max is inclusive. */
int jr_u64(struct jr *jr, const cJSON *n, const char *path, uint64_t max, uint64_t *out);
/* Size: an integer or a string like "4KiB", "2 MiB", "1GiB", "0x1000". */
int jr_size(struct jr *jr, const cJSON *n, const char *path, uint64_t max, uint64_t *out);
int jr_str(struct jr *jr, const cJSON *n, const char *path, const char **out);
int jr_bool(struct jr *jr, const cJSON *n, const char *path, int *out);
/* One of names (NULL-terminated); *out = index. */
int jr_enum(struct jr *jr, const cJSON *n, const char *path, const char *const *names, int *out);
/* Narration: {"en": "...", "zh": "..."} (either may be missing) or a plain string (English). */
int jr_text(struct jr *jr, const cJSON *n, const char *path, const char **en, const char **zh);
/* A name: 1–31 printable ASCII characters [A-Za-z0-9_.-]. */
int jr_name(struct jr *jr, const cJSON *n, const char *path, const char **out);

/* Parse helpers without a jr (for command-line values): 0 or -1. */
int parse_u64_str(const char *s, uint64_t *out);
int parse_size_str(const char *s, uint64_t *out);

/* Levenshtein distance, for "did you mean". */
int edit_distance(const char *a, const char *b);

#endif
