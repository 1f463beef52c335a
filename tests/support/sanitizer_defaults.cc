// Sanitizer defaults compiled into every test binary, so a test behaves the
// same under ctest, make test and when run by hand.
//
// TSan suppressions: liburcu, libcpp-httplib and OpenSSL (libcrypto, libssl:
// their reference counts are atomics TSan cannot see, so freeing a shared
// certificate looks like a race with the handshake that used it) are Debian's
// prebuilt,
// uninstrumented libraries. TSan intercepts the calls they make (malloc,
// free, memcpy) but cannot see the synchronization around them (inline
// assembly, futexes, atomics inside uninstrumented code), so it reports races
// inside them. called_from_lib ignores only calls made from inside those
// libraries: our code, the RCU table (see the annotations in
// proxy/table/table_publisher.cc), the call_rcu callback that frees tables
// and the worker counters stay fully checked.

extern "C" {

#if defined(ATRIUM_TSAN)
const char* __tsan_default_suppressions() {
  return "called_from_lib:liburcu-memb.so\n"
         "called_from_lib:liburcu-common.so\n"
         "called_from_lib:libcpp-httplib.so\n"
         "called_from_lib:libcrypto.so\n"
         "called_from_lib:libssl.so\n";
}
const char* __tsan_default_options() { return "halt_on_error=1:second_deadlock_stack=1"; }
#endif

const char* __asan_default_options() { return "detect_leaks=1"; }
const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

}  // extern "C"
