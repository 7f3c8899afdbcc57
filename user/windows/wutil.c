// SPDX-License-Identifier: BSD-2-Clause
/* UTF-16 to UTF-8 and Win32 errors to errno: the two conversions every Windows file needs. */
#include "windows/win.h"

#include <errno.h>

#include "core/util.h"

char *win_utf8(const WCHAR *w, int len)
{
	int n = WideCharToMultiByte(CP_UTF8, 0, w, len, NULL, 0, NULL, NULL);
	char *s;

	if (n <= 0)
		return xstrdup("");
	s = xmalloc((size_t)n + 1);
	n = WideCharToMultiByte(CP_UTF8, 0, w, len, s, n, NULL, NULL);
	s[n > 0 ? n : 0] = '\0'; /* with len -1 the NUL is counted and copied too */
	return s;
}

int win_errno(DWORD err)
{
	switch (err) {
	case ERROR_ACCESS_DENIED:
	case ERROR_PRIVILEGE_NOT_HELD:
		return -EACCES;
	case ERROR_INVALID_PARAMETER: /* OpenProcess of a pid that names no process */
	case ERROR_NOT_FOUND:
		return -ESRCH;
	case ERROR_PARTIAL_COPY: /* ReadProcessMemory of an exiting process */
	case ERROR_INVALID_HANDLE:
		return -EIO;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}
