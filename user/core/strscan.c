// SPDX-License-Identifier: BSD-2-Clause
#include "strscan.h"

#include <inttypes.h>

void strscan_init(struct strscan *sc, FILE *out, unsigned min, bool utf16)
{
	sc->out = out;
	sc->min = min < 1 ? 1 : min > STRSCAN_MAX_MIN ? STRSCAN_MAX_MIN : min;
	sc->utf16 = utf16;
	sc->run = 0;
	sc->found = 0;
}

void strscan_break(struct strscan *sc)
{
	if (sc->run >= sc->min)
		fputc('\n', sc->out);
	sc->run = 0;
}

static void put(struct strscan *sc, uint64_t addr, char c)
{
	if (sc->run == 0)
		sc->run_start = addr;
	if (sc->run < sc->min) {
		sc->pend[sc->run++] = c;
		if (sc->run == sc->min) {
			fprintf(sc->out, "%016" PRIx64 " ", sc->run_start);
			fwrite(sc->pend, 1, sc->min, sc->out);
			sc->found++;
		}
		return;
	}
	sc->run++;
	fputc(c, sc->out);
}

void strscan_feed(struct strscan *sc, uint64_t addr, const uint8_t *p, size_t n)
{
	size_t step = sc->utf16 ? 2 : 1;

	for (size_t i = 0; i + step <= n; i += step) {
		uint8_t c = p[i];

		if (c >= 0x20 && c <= 0x7e && (!sc->utf16 || p[i + 1] == 0))
			put(sc, addr + i, (char)c);
		else if (sc->run)
			strscan_break(sc);
	}
}
