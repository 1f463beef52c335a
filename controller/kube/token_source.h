#pragma once

// TokenSource supplies the bearer token of every request: a fixed token, or
// the contents of a token file, re-read when the file changes. Projected
// service-account tokens are rotated by the kubelet (an atomic symlink swap),
// so a file token must never be read just once.
//
// Threading: every method may be called from any thread.

#include <sys/types.h>
#include <chrono>
#include <mutex>
#include <string>

namespace atrium::kube {

class TokenSource {
 public:
  // token_file, when not empty, wins over token. The file is looked at (one
  // stat) at most once per recheck interval; it is read again only when its
  // identity, size or modification time changed.
  TokenSource(std::string token, std::string token_file,
              std::chrono::milliseconds recheck = std::chrono::seconds(1));

  // Token returns the current token ("" when there is none, or the file
  // cannot be read and never could). The last good token is kept when the
  // file vanishes for a moment during a rotation.
  std::string Token();

  // Invalidate makes the next Token() read the file again (after a 401).
  void Invalidate();

 private:
  struct FileStamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = -1;
    int64_t mtime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };

  const std::string static_token_;
  const std::string token_file_;
  const std::chrono::milliseconds recheck_;

  std::mutex mutex_;
  std::string file_token_;
  FileStamp stamp_;
  bool checked_once_ = false;
  std::chrono::steady_clock::time_point next_check_;
};

}  // namespace atrium::kube
