/* cmd_quiz.c — placeholder until the exercise generator lands. */
#include <stdio.h>

#include "app.h"

int cmd_quiz(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "iommulab quiz: not in this version yet\n");
	return 2;
}
