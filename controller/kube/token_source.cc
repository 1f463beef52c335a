#include "controller/kube/token_source.h"

#include <sys/stat.h>

#include <cctype>
#include <optional>

#include "controller/kube/kube_config.h"

namespace atrium::kube {

TokenSource::TokenSource(std::string token, std::string token_file,
                         std::chrono::milliseconds recheck)
    : static_token_(std::move(token)), token_file_(std::move(token_file)), recheck_(recheck) {}

std::string TokenSource::Token() {
  if (token_file_.empty()) return static_token_;
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (checked_once_ && now < next_check_) return file_token_;
  checked_once_ = true;
  next_check_ = now + recheck_;
  struct stat info {};
  if (::stat(token_file_.c_str(), &info) != 0) return file_token_;
  FileStamp stamp{info.st_dev, info.st_ino, info.st_size,
                  static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};
  if (stamp == stamp_) return file_token_;
  std::optional<std::string> content = ReadFile(token_file_);
  if (!content) return file_token_;
  while (!content->empty() && std::isspace(static_cast<unsigned char>(content->back()))) {
    content->pop_back();
  }
  stamp_ = stamp;
  file_token_ = std::move(*content);
  return file_token_;
}

void TokenSource::Invalidate() {
  std::lock_guard lock(mutex_);
  stamp_ = FileStamp{};
  checked_once_ = false;
}

}  // namespace atrium::kube
