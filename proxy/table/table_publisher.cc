#include "proxy/table/table_publisher.h"

#include <optional>

// The memb flavor: readers need no signals and no quiescent-state reports
// (Asio's event loop gives us no hook before it blocks), and with
// sys_membarrier a read-side lock is a thread-local increment. _LGPL_SOURCE
// inlines it; ThreadSanitizer builds call the library instead, because the
// inlined code's volatile accesses would be instrumented and misreported.
#if !defined(ATRIUM_TSAN)
#define _LGPL_SOURCE 1  // NOLINT(bugprone-reserved-identifier): liburcu's switch
#endif
#include <urcu/urcu-memb.h>

#if defined(ATRIUM_TSAN)
#include <sanitizer/tsan_interface.h>
// liburcu synchronizes with inline assembly and membarrier, which
// ThreadSanitizer cannot see. These annotations tell it what RCU guarantees:
// publishing releases the table to readers, and a reader's last access
// happens before the grace period that frees the table.
#define ATRIUM_TSAN_RELEASE(addr) __tsan_release(const_cast<void*>(static_cast<const void*>(addr)))
#define ATRIUM_TSAN_ACQUIRE(addr) __tsan_acquire(const_cast<void*>(static_cast<const void*>(addr)))
#else
#define ATRIUM_TSAN_RELEASE(addr) ((void)(addr))
#define ATRIUM_TSAN_ACQUIRE(addr) ((void)(addr))
#endif

namespace atrium::table {
namespace {

thread_local int registration_depth = 0;

}  // namespace

RcuThreadRegistration::RcuThreadRegistration() {
  if (registration_depth++ == 0) urcu_memb_register_thread();
}

RcuThreadRegistration::~RcuThreadRegistration() {
  if (--registration_depth == 0) urcu_memb_unregister_thread();
}

void RcuThreadRegistration::EnsureRegistered() {
  thread_local std::optional<RcuThreadRegistration> registration;
  if (!registration) registration.emplace();
}

TablePublisher::TablePublisher() = default;

TablePublisher::~TablePublisher() {
  RouteTable* last = rcu_xchg_pointer(&root_, static_cast<RouteTable*>(nullptr));
  if (last != nullptr) {
    RcuThreadRegistration registration;
    urcu_memb_synchronize_rcu();
    ATRIUM_TSAN_ACQUIRE(last);
    delete last;
  }
}

void TablePublisher::Publish(std::unique_ptr<RouteTable> table) {
  // call_rcu requires a registered thread; the writer may be any thread.
  RcuThreadRegistration registration;
  const uint64_t generation = table->generation();
  table->DemoteToSharedCache();
  ATRIUM_TSAN_RELEASE(&root_);
  RouteTable* old = rcu_xchg_pointer(&root_, table.release());
  generation_.store(generation, std::memory_order_release);
  published_.fetch_add(1, std::memory_order_relaxed);
  if (old != nullptr) {
    // The old table is freed here, once every reader that could still see
    // it has left its read section (a grace period: readers hold it for one
    // lookup, and memb's synchronize_rcu is a membarrier). Handed to
    // call_rcu instead, tables waited for its thread's batches: during a
    // stream of route changes (a publish every few milliseconds) two to four
    // old tables were alive at once, each with its per-table arrays (~300 kB
    // at 5,000 hosts), and what they freed landed in another thread's cache.
    // The new table is live before this wait, so it delays no change.
    urcu_memb_synchronize_rcu();
    ATRIUM_TSAN_ACQUIRE(old);
    delete old;
  }
}

LookupResult TablePublisher::Lookup(const RequestView& request) const {
  return Read([&request](const RouteTable* table) {
    if (table == nullptr) return LookupResult{404, nullptr, 0};
    return table->Lookup(request);
  });
}

TablePublisher::ReadSection::ReadSection(const TablePublisher* publisher) {
  urcu_memb_read_lock();
  table_ = rcu_dereference(publisher->root_);
  ATRIUM_TSAN_ACQUIRE(&publisher->root_);
}

TablePublisher::ReadSection::~ReadSection() {
  if (table_ != nullptr) ATRIUM_TSAN_RELEASE(table_);
  urcu_memb_read_unlock();
}

std::shared_ptr<const tls::ServerCertificate> TablePublisher::SelectCertificate(
    std::string_view address, uint16_t bind_port, std::string_view server_name) const {
  ReadSection section(this);
  const RouteTable* table = section.table();
  return table != nullptr ? table->SelectCertificate(address, bind_port, server_name) : nullptr;
}

}  // namespace atrium::table
