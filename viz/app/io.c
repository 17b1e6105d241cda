/*
 * io.c — the program's only file I/O: reading scenarios (with a size cap),
 * finding shipped data, and writing outputs atomically.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"

int app_load(const char *path, struct scenario *sc, const struct load_limits *lim, size_t max_bytes)
{
	if (!max_bytes)
		max_bytes = 16u << 20;
	struct stat st;
	if (stat(path, &st)) {
		fprintf(stderr, "%s: error: cannot open: %s\n", path, strerror(errno));
		memset(sc, 0, sizeof *sc);
		return 2;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: error: is a directory, expected a scenario file (.json)\n", path);
		memset(sc, 0, sizeof *sc);
		return 2;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: error: cannot open: %s\n", path, strerror(errno));
		memset(sc, 0, sizeof *sc);
		return 2;
	}
	char *buf = malloc(max_bytes + 1);
	if (!buf) {
		fclose(f);
		fprintf(stderr, "%s: error: out of memory\n", path);
		return 2;
	}
	size_t n = fread(buf, 1, max_bytes + 1, f);
	fclose(f);
	if (n > max_bytes) {
		free(buf);
		fprintf(stderr,
		        "%s:1:1: error: file is larger than %zu MiB (a scenario is a few KiB; raise with "
		        "--max-input)\n",
		        path, max_bytes >> 20);
		memset(sc, 0, sizeof *sc);
		return 2;
	}
	char *errors = NULL;
	int rc = scenario_load(sc, path, buf, n, lim, &errors);
	free(buf);
	if (rc) {
		fputs(errors ? errors : "error\n", stderr);
		free(errors);
		scenario_free(sc);
		return 2;
	}
	return 0;
}

const char *app_data_path(const char *rel, char *buf, size_t cap)
{
	const char *env = getenv("IOMMULAB_DATA");
	const char *roots[] = {env, IOMMULAB_SOURCE_DIR, ".", "/usr/share/iommulab", NULL};
	for (int i = 0; i < 4; i++) {
		if (!roots[i])
			continue;
		snprintf(buf, cap, "%s/%s", roots[i], rel);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	snprintf(buf, cap, "%s", rel);
	return buf;
}

int app_write_file(const char *path, const void *data, size_t len)
{
	struct stat st;
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "iommulab: error: %s is a directory; give a file name\n", path);
		return -1;
	}
	size_t L = strlen(path);
	char *tmp = malloc(L + 32);
	if (!tmp)
		return -1;
	snprintf(tmp, L + 32, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		fprintf(stderr, "iommulab: error: cannot write %s: %s\n", path, strerror(errno));
		free(tmp);
		return -1;
	}
	int ok = fwrite(data, 1, len, f) == len;
	ok &= fflush(f) == 0;
	ok &= fclose(f) == 0;
	if (!ok || rename(tmp, path)) {
		fprintf(stderr, "iommulab: error: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
