// Command-line helpers shared by the examples: the usage error and the
// parsers of option values, so that every example rejects the same inputs
// with the same message.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xpu::examples {

/// Prints "<program>: error: <msg> (see --help)"; returns the exit code 2.
inline int usageError(const char *program, const std::string &msg) {
  std::cerr << program << ": error: " << msg << " (see --help)\n";
  return 2;
}

/// Parses a decimal unsigned of at most 9 digits (no sign, no spaces).
inline bool parseUnsigned(const char *s, uint32_t &out) {
  if (!*s || std::strspn(s, "0123456789") != std::strlen(s) || std::strlen(s) > 9) return false;
  out = uint32_t(std::stoul(s));
  return true;
}

/// Parses a finite floating-point number (the whole string).
inline bool parseDouble(const char *s, double &out) {
  char *end = nullptr;
  out = std::strtod(s, &end);
  return *s && end && !*end && std::isfinite(out);
}

/// An example's command line: its name (prefixes errors), --help text, the
/// options without a value (-h/--help is always one) and those with one.
struct CommandLine {
  const char *program;
  const char *usage;
  std::map<std::string, bool *> flags;   // set to true when given
  std::vector<std::string> valueOptions; // empty: every other argument takes a value
};

/// Handles option `option` with value `value`: its validity, or nullopt if
/// the example does not know the option.
using ValueHandler = std::function<std::optional<bool>(const std::string &option, const char *value)>;

/// Parses argv: flags are set, value options go to `onValue`. Returns the
/// exit code when the example must stop (0 after --help, 2 after a usage
/// error, printed), nullopt to run. Without a list of value options, an
/// argument at the end is "needs a value" if it starts with "--", else
/// "unexpected"; with one, anything not listed is rejected first.
inline std::optional<int> parseCommandLine(int argc, char **argv, const CommandLine &cl, const ValueHandler &onValue) {
  const std::vector<std::string> &listed = cl.valueOptions;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << cl.usage;
      return 0;
    }
    if (auto flag = cl.flags.find(a); flag != cl.flags.end()) {
      *flag->second = true;
      continue;
    }
    if (!listed.empty()) {
      if (std::find(listed.begin(), listed.end(), a) == listed.end())
        return usageError(cl.program,
                          a.rfind("-", 0) == 0 ? "unknown option '" + a + "'" : "unexpected argument '" + a + "'");
      if (i + 1 >= argc) return usageError(cl.program, a + " needs a value");
    } else if (i + 1 >= argc) {
      return usageError(cl.program, a.rfind("--", 0) == 0 ? a + " needs a value" : "unexpected '" + a + "'");
    }
    const char *v = argv[++i];
    const std::optional<bool> ok = onValue(a, v);
    if (!ok) return usageError(cl.program, "unknown option '" + a + "'");
    if (!*ok) return usageError(cl.program, "bad value '" + std::string(v) + "' for " + a);
  }
  return std::nullopt;
}

} // namespace xpu::examples
