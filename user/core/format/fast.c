// SPDX-License-Identifier: BSD-2-Clause
/* The digit-pair tables of fast.h. */
#include "format/fast.h"

#define H2(a) #a "0" #a "1" #a "2" #a "3" #a "4" #a "5" #a "6" #a "7" \
	      #a "8" #a "9" #a "a" #a "b" #a "c" #a "d" #a "e" #a "f"
const char fast_hex_pairs[512] = H2(0) H2(1) H2(2) H2(3) H2(4) H2(5) H2(6) H2(7)
				 H2(8) H2(9) H2(a) H2(b) H2(c) H2(d) H2(e) H2(f);

#define D2(a) #a "0" #a "1" #a "2" #a "3" #a "4" #a "5" #a "6" #a "7" #a "8" #a "9"
const char fast_dec_pairs[200] = D2(0) D2(1) D2(2) D2(3) D2(4) D2(5) D2(6) D2(7) D2(8) D2(9);
