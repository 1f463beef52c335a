// Atrium never uses GnuTLS: libcurl is Debian's OpenSSL build, and the API
// client allows only http and https (kube_client.cc), so the libraries that
// bring GnuTLS in (libldap, librtmp) are never called. Each of those would call
// gnutls_global_init() itself before its first use.
//
// GnuTLS still initializes itself when it is loaded, and that costs Atrium
// about 0.8 MB resident (its crypto backends, p11-kit's module list) for
// nothing. GnuTLS asks the program through this weak symbol whether to skip
// that (global.c, lib_init); the executable exports it
// (--export-dynamic-symbol in controller/CMakeLists.txt) so that it
// interposes GnuTLS's own, which returns 0. The environment variable
// GNUTLS_NO_IMPLICIT_INIT=1 does the same, but only if every user sets it.

// NOLINTNEXTLINE(bugprone-reserved-identifier,readability-identifier-naming): GnuTLS's name.
extern "C" __attribute__((visibility("default"))) int _gnutls_global_init_skip() { return 1; }
