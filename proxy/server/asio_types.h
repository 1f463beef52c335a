#pragma once

// Asio types of the data plane. Everything runs on one io_context per worker
// thread, so sockets, timers and coroutines use the io_context's concrete
// executor type (no type-erased any_io_executor on the hot path).

// Boost 1.74 with GCC 12: <utility> must precede Asio's coroutine headers.
#include <utility>

#include <chrono>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace atrium::server {

namespace asio = boost::asio;
using ErrorCode = boost::system::error_code;
using Clock = std::chrono::steady_clock;

using Executor = asio::io_context::executor_type;
template <typename T>
using Awaitable = asio::awaitable<T, Executor>;
using Socket = asio::basic_stream_socket<asio::ip::tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<asio::ip::tcp, Executor>;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Executor>;

inline constexpr asio::use_awaitable_t<Executor> kUseAwaitable{};

// WithError makes an awaited operation report its error in ec instead of
// throwing: errors are values on the data plane.
inline auto WithError(ErrorCode& ec) { return asio::redirect_error(kUseAwaitable, ec); }

}  // namespace atrium::server
