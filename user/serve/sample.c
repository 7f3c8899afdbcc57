// SPDX-License-Identifier: BSD-2-Clause
/* The pure half of collect.h (names, the measure, freeing): no /proc, no BPF, so that the metrics
 * and their encoders build and are fuzzed without them (tests/fuzz/fuzz_serve.c). */
#include <stdlib.h>
#include <string.h>

#include "serve/collect.h"

const char *const collect_kind_names[CK__COUNT] = {
	"image", "mapped-file", "private", "shareable", "heap", "stack", "guard", "vdso", "system",
};
const char *const collect_measure_names[CM__COUNT] = { "resident", "virtual", "vmas" };

uint64_t collect_measure_of(const struct collect_proc *p, enum collect_measure m)
{
	switch (m) {
	case CM_VIRTUAL: return p->virt;
	case CM_VMAS: return p->vmas;
	default: return p->rss;
	}
}

void collect_sample_free(struct collect_sample *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->p[i].cgroup);
	free(s->p);
	memset(s, 0, sizeof(*s));
}
