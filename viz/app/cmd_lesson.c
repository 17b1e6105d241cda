/* cmd_lesson.c — placeholder until the course lands (owned by the course work). */
#include <stdio.h>

#include "app.h"

int cmd_lesson(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "iommulab lesson: no lessons in this version yet\n");
	return 2;
}

int cmd_lessons(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "iommulab lessons: no lessons in this version yet\n");
	return 2;
}
