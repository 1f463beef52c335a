#pragma once

// ReleaseFreeMemory returns the pages the allocator holds free, in every
// thread's name, to the system.
//
// tcmalloc keeps whole free spans mapped after a burst of allocation (the
// LIST of thousands of objects, a reconcile pass over thousands of routes)
// and reuses them for the next burst; meanwhile they count in the process's
// resident memory. Returning them costs a madvise per span and a page fault
// when the memory is used again, so call it where the process goes quiet,
// never on a hot path. Without tcmalloc (glibc, sanitizers) it asks glibc to
// trim its heaps.

namespace atrium::base {

void ReleaseFreeMemory();

}  // namespace atrium::base
