#ifndef CHIBO_COMMON_LOG_H_
#define CHIBO_COMMON_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <variant>

#include "absl/strings/string_view.h"

namespace chibo {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// A field value in a structured log line.
using LogValue = std::variant<absl::string_view, int64_t, double, bool>;
using LogField = std::pair<absl::string_view, LogValue>;

// Writes one JSON object per line to stderr:
//   {"ts":"2026-11-22T07:50:01.123Z","level":"info","msg":"...",<fields>}
// Thread-safe; a line is written with a single write(2) so lines from
// different threads never interleave.
void Log(LogLevel level, absl::string_view message,
         std::initializer_list<LogField> fields = {});

// Lines below this level are dropped (default kInfo).
void SetMinLogLevel(LogLevel level);
bool ParseLogLevel(absl::string_view text, LogLevel* level);

// Escapes `text` for inclusion inside a JSON string literal.
std::string JsonEscape(absl::string_view text);

}  // namespace chibo

#endif  // CHIBO_COMMON_LOG_H_
