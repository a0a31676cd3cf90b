// A small error-or-value type for the runtime (no exceptions cross its API).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace xpu {

/// A user-facing error. `message` is complete and printable as is, e.g.
/// "chip.json: /noc/buffer_depth: must be in 1..64, got 0".
struct Error {
  std::string message;
};

template <typename T> class Expected {
public:
  Expected(T value) : v_(std::move(value)) {}
  Expected(Error error) : v_(std::move(error)) {}
  explicit operator bool() const { return v_.index() == 0; }
  T &operator*() { return std::get<0>(v_); }
  const T &operator*() const { return std::get<0>(v_); }
  T *operator->() { return &std::get<0>(v_); }
  const T *operator->() const { return &std::get<0>(v_); }
  const Error &error() const { return std::get<1>(v_); }

private:
  std::variant<T, Error> v_;
};

} // namespace xpu
