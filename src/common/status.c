#include "pftally/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *pft_status_str(enum pft_status status)
{
	switch (status) {
	case PFT_OK: return "ok";
	case PFT_ERR_NOMEM: return "out of memory";
	case PFT_ERR_IO: return "input/output error";
	case PFT_ERR_FORMAT: return "unsupported file format";
	case PFT_ERR_CORRUPT: return "corrupt or truncated compressed data";
	case PFT_ERR_USAGE: return "usage error";
	case PFT_ERR_YEAR: return "cannot infer the year of syslog timestamps";
	case PFT_ERR_CANCELLED: return "cancelled";
	}
	return "unknown error";
}

enum pft_status pft_error_set(struct pft_error *err, enum pft_status status, int sys_errno,
			      const char *path, uint64_t offset, const char *detail_fmt, ...)
{
	if (err == NULL)
		return status;
	err->status = status;
	err->sys_errno = sys_errno;
	err->offset = offset;
	snprintf(err->path, sizeof err->path, "%s", path ? path : "");
	err->detail[0] = '\0';
	if (detail_fmt != NULL) {
		va_list ap;
		va_start(ap, detail_fmt);
		vsnprintf(err->detail, sizeof err->detail, detail_fmt, ap);
		va_end(ap);
	}
	if (sys_errno != 0) {
		/* The system's words for errno end the detail, in the one place that says it. */
		const size_t n = strlen(err->detail);
		snprintf(err->detail + n, sizeof err->detail - n, "%s%s", n ? ": " : "",
			 strerror(sys_errno));
	}
	return status;
}
