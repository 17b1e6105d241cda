/*
 * app.h — the `iommulab` program: one front for every command.
 * Each command lives in its own file (cmd_*.c) and returns the exit code:
 * 0 ok, 1 an expectation failed, 2 bad input / usage.
 */
#ifndef IOMMULAB_APP_H
#define IOMMULAB_APP_H

#include <stddef.h>

#include "scenario.h"

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_export(int argc, char **argv);     /* cmd_export.c (Graphviz) */
int cmd_view(int argc, char **argv);       /* cmd_view.c (SDL viewer) */
int cmd_screenshot(int argc, char **argv); /* cmd_view.c */
int cmd_lesson(int argc, char **argv);     /* cmd_lesson.c */
int cmd_lessons(int argc, char **argv);    /* cmd_lesson.c */
int cmd_quiz(int argc, char **argv);       /* cmd_quiz.c */

/* Read FILE (at most max_bytes; 0 = 16 MiB) and load it. On failure prints
 * every problem to stderr and returns 2; on success 0. */
int app_load(const char *path, struct scenario *sc, const struct load_limits *lim, size_t max_bytes);
/* Parse a limit option (--max-steps, --max-memory, --max-events,
 * --max-input) at argv[*i]. Returns 1 consumed, 0 not a limit option,
 * -1 bad value (message printed). */
int app_limit_opt(int *i, int argc, char **argv, struct load_limits *lim, size_t *max_input);
/* Find a shipped file (lessons/, scenarios/, assets/) from the build or an install. */
const char *app_data_path(const char *rel, char *buf, size_t cap);
/* Write `len` bytes to path atomically (temp file + rename). Refuses a
 * directory. Returns 0, or -1 with a message printed. */
int app_write_file(const char *path, const void *data, size_t len);

#endif
