/* pftally — status codes shared by every module.
 *
 * Anything that can fail returns enum pft_status (PFT_OK == 0). The library never prints or
 * exits: the CLI turns a status (plus the file and byte offset kept in struct pft_error) into a
 * message and an exit code. */
#ifndef PFTALLY_STATUS_H
#define PFTALLY_STATUS_H

#include <stdint.h>

#if defined(__GNUC__)
#define PFT_MUST_CHECK __attribute__((warn_unused_result))
#else
#define PFT_MUST_CHECK
#endif

enum pft_status {
	PFT_OK = 0,
	PFT_ERR_NOMEM,          /* allocation failed */
	PFT_ERR_IO,             /* open/read/stat/mmap failed (errno kept in pft_error) */
	PFT_ERR_FORMAT,         /* unsupported or unrecognised file format (xz, bzip2, binary) */
	PFT_ERR_CORRUPT,        /* compressed stream is corrupt or truncated */
	PFT_ERR_USAGE,          /* bad option or argument */
	PFT_ERR_YEAR,           /* BSD timestamps but no way to infer the year */
	PFT_ERR_CANCELLED,      /* stopped because another part of the run failed */
};

/* Where a failure happened: filled by the module that failed, read by the CLI. */
struct pft_error {
	enum pft_status status;
	int sys_errno;          /* errno for PFT_ERR_IO, else 0 */
	uint64_t offset;        /* byte offset in the (decompressed for text, raw for codecs) file */
	char path[512];         /* file concerned, "" if none */
	char detail[256];       /* human-readable detail, "" if none */
};

/*! pft_status_str() : @return a static, lower-case description of the status. */
const char *pft_status_str(enum pft_status status);

/*! pft_error_set() : fills *err (if non-NULL) and @return status, so callers can write
 *  `return pft_error_set(err, PFT_ERR_IO, errno, path, off, "reading");`. A non-zero
 *  sys_errno's text (strerror) ends the detail: "reading: Permission denied". */
enum pft_status pft_error_set(struct pft_error *err, enum pft_status status, int sys_errno,
			      const char *path, uint64_t offset, const char *detail_fmt, ...)
	__attribute__((format(printf, 6, 7)));

#define PFT_TRY(expr)                                                                              \
	do {                                                                                       \
		enum pft_status pft_try_status_ = (expr);                                          \
		if (pft_try_status_ != PFT_OK)                                                     \
			return pft_try_status_;                                                    \
	} while (0)

#endif /* PFTALLY_STATUS_H */
