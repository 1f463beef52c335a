#pragma once

// TablePublisher holds the one root pointer to the live RouteTable and
// publishes new versions with RCU (liburcu, memb flavor).
//
// Threading:
//  - Publish is called by one writer thread only (the reconciler), never
//    inside a read section. It swaps the root with rcu_xchg_pointer, then
//    waits for every reader that could still see the old table to leave its
//    read section (synchronize_rcu) and frees it: at most two tables exist.
//  - Lookup/Read may be called by any thread registered with liburcu (see
//    RcuThreadRegistration). They take rcu_read_lock, load the root, do their
//    work and unlock before returning: no pointer into the table survives the
//    call, so none can survive a co_await either.
// No mutex, shared_mutex or std::atomic<std::shared_ptr> is on the read path.

#include <atomic>
#include <cstdint>
#include <memory>

#include "proxy/table/route_table.h"

namespace atrium::table {

// RcuThreadRegistration registers the calling thread with liburcu for its
// lifetime. Every thread that reads the table holds one (worker threads for
// their whole life; the admin server per thread via EnsureRegistered).
class RcuThreadRegistration {
 public:
  RcuThreadRegistration();
  ~RcuThreadRegistration();
  RcuThreadRegistration(const RcuThreadRegistration&) = delete;
  RcuThreadRegistration& operator=(const RcuThreadRegistration&) = delete;

  // EnsureRegistered registers the calling thread until it exits (a
  // thread_local registration); cheap after the first call.
  static void EnsureRegistered();
};

class TablePublisher {
 public:
  TablePublisher();
  // The destructor frees the live table after a grace period. No reader may
  // run concurrently with it.
  ~TablePublisher();
  TablePublisher(const TablePublisher&) = delete;
  TablePublisher& operator=(const TablePublisher&) = delete;

  // Publish makes table the live table. Writer thread only.
  void Publish(std::unique_ptr<RouteTable> table);

  // Lookup matches request against the live table; status 404 with
  // generation 0 before the first publish. Registered threads only.
  LookupResult Lookup(const RequestView& request) const;

  // SelectCertificate picks a handshake's certificate from the live table
  // (RouteTable::SelectCertificate); nullptr before the first publish.
  // Registered threads only.
  std::shared_ptr<const tls::ServerCertificate> SelectCertificate(
      std::string_view address, uint16_t bind_port, std::string_view server_name) const;

  // Read calls fn(const RouteTable*) inside a read-side section (nullptr
  // before the first publish). fn must not block or keep the pointer.
  template <typename Fn>
  auto Read(Fn&& fn) const {
    ReadSection section(this);
    return fn(section.table());
  }

  // generation of the live table (0 before the first publish); any thread.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // published_count counts Publish calls; any thread.
  uint64_t published_count() const { return published_.load(std::memory_order_relaxed); }

 private:
  class ReadSection {
   public:
    explicit ReadSection(const TablePublisher* publisher);
    ~ReadSection();
    const RouteTable* table() const { return table_; }

   private:
    const RouteTable* table_;
  };

  RouteTable* root_ = nullptr;  // only through rcu_dereference/rcu_xchg_pointer
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> published_{0};
};

}  // namespace atrium::table
