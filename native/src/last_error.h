// Thread-local text of the last API error, formatted into a fixed buffer so that reporting an
// error never allocates.
#ifndef LPLB_SRC_LAST_ERROR_H
#define LPLB_SRC_LAST_ERROR_H

#include "lplb/ipm.h"

namespace lplb {

// Records a printf-style message for lplb_last_error_message() and returns `error`.
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
lplb_error set_last_error(lplb_error error, const char* format, ...);

// Empties the message (called at the start of every API call that can fail).
void clear_last_error();

const char* last_error_message();

}  // namespace lplb

#endif  // LPLB_SRC_LAST_ERROR_H
