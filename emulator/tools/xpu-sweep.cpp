// xpu-sweep: runs a grid of xpu-sim points (chip-descriptor fields, traffic
// or program settings) as parallel processes, gathers their statistics JSON
// into CSV and JSON, and plots every swept parameter as SVG.
//
// SystemC elaborates once per process, so every point is its own xpu-sim
// process; a point's stats.json is exactly what a single `xpu-sim --stats`
// run of that point writes (docs/tutorial-perf.md).
#include "xpu/ChipDescriptor.h"
#include "xpu/emu/Report.h"
#include "xpu/emu/Svg.h"

#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <spawn.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

extern char **environ;

namespace fs = std::filesystem;

namespace {

const char *kUsage = R"(usage: xpu-sweep --chip BASE.json (--traffic PATTERN | --asm PROG.s | --exe PROG.xpuexe)
                 --param NAME=V1,V2,... [--param NAME=START:STOP:STEP ...]
                 [-j N] [--out DIR] [--y METRIC] [--plot X:Y[:SERIES,...]] [--ymax V]
                 [--sim PATH] [--as PATH] [-- XPU-SIM ARGS...]

Runs every point of the grid (the cartesian product of the --param values) as
its own xpu-sim process, N at a time, with a progress bar on stderr; gathers
each point's statistics JSON into DIR/results.json and DIR/results.csv and
draws DIR/plots/<param>.svg for every swept parameter with numeric values.

Parameters:
  mesh.width, noc.virtual_channels, energy_pj.flit_hop, clock_mhz, ...
                         a chip-descriptor field (docs/arch.md section 2;
                         '/noc/buffer_depth' JSON-pointer form also accepted)
  rate, pattern, packet_flits, warmup, measure, seed
                         traffic settings (--traffic mode; 'pattern' overrides
                         --traffic)
  equ.NAME               program constant: replaces '.equ NAME, ...' in the
                         --asm source before assembling
  cycles, steps, max_cycles
                         program run length (xpu-sim --cycles/--steps/...)
  In --asm sources, a line holding only '{{cores}}' becomes one '.core X, Y'
  per core of the point's mesh, so one program scales with the mesh size.

Options:
  -j N                   parallel processes (default: 2)
  --out DIR              output directory (default: sweep-out)
  --y METRIC             y of the per-parameter plots, a dotted path into the
                         statistics (default: latency_cycles.avg in traffic
                         mode, cycles otherwise); may be repeated
  --plot X:Y[:S1,S2]     an extra plot DIR/plots/Y-vs-X.svg: metric or
                         parameter X against metric Y, one curve per value of
                         the parameters S1, S2 (default: every parameter but
                         the first --param)
  --ymax V               clip the y axes at V (saturated latencies)
  --sim PATH, --as PATH  the xpu-sim and xpu-as to run (default: beside xpu-sweep)
  -- ARGS                extra arguments for every xpu-sim run
  -h, --help             show this help

Exit codes: 0 every point ran with exit code 0; 1 bad input or a point
failed (its log is in DIR/runs/NNNN/log.txt); 2 bad usage.
)";

int usageError(const std::string &msg) {
  std::cerr << "xpu-sweep: error: " << msg << " (see --help)\n";
  return 2;
}
int inputError(const std::string &msg) {
  std::cerr << "xpu-sweep: error: " << msg << "\n";
  return 1;
}

enum class Kind { Chip, Traffic, Equ, Run };

struct Param {
  std::string name;           // as given
  Kind kind = Kind::Chip;
  nlohmann::json::json_pointer pointer; // Kind::Chip
  std::vector<std::string> values;      // as text
  bool numeric = true;
};

struct Options {
  std::string chipPath, traffic, asmPath, exePath;
  std::vector<Param> params;
  unsigned jobs = 2;
  std::string out = "sweep-out";
  std::vector<std::string> yMetrics;
  std::vector<std::string> plots;
  double yMax = 0;
  std::string sim, as;
  std::vector<std::string> simArgs;
};

bool isNumber(const std::string &s, double &v) {
  if (s.empty())
    return false;
  char *end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end && *end == '\0' && std::isfinite(v);
}

// "a,b,c" or "start:stop:step" (inclusive, numeric).
bool parseValues(const std::string &text, std::vector<std::string> &out, std::string &err) {
  double a, b, step;
  std::vector<std::string> parts;
  std::stringstream ss(text);
  std::string item;
  if (text.find(':') != std::string::npos) {
    while (std::getline(ss, item, ':'))
      parts.push_back(item);
    if (parts.size() != 3 || !isNumber(parts[0], a) || !isNumber(parts[1], b) ||
        !isNumber(parts[2], step) || step <= 0 || b < a) {
      err = "a range is START:STOP:STEP with STEP > 0 and STOP >= START, got '" + text + "'";
      return false;
    }
    const long n = long(std::floor((b - a) / step + 1e-9));
    if (n > 10000) {
      err = "range '" + text + "' has more than 10000 values";
      return false;
    }
    for (long k = 0; k <= n; ++k) {
      const double v = a + double(k) * step;
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.10g", std::fabs(v) < 1e-12 ? 0.0 : v);
      out.push_back(buf);
    }
    return true;
  }
  while (std::getline(ss, item, ','))
    if (!item.empty())
      out.push_back(item);
  if (out.empty()) {
    err = "no values in '" + text + "'";
    return false;
  }
  return true;
}

std::string selfDir() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : p.parent_path().string();
}

bool readText(const std::string &path, std::string &text) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::stringstream ss;
  ss << in.rdbuf();
  text = ss.str();
  return true;
}

bool writeText(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return bool(out);
}

// ---------------------------------------------------------------- points

struct Point {
  size_t index = 0;
  std::vector<std::string> values; // per parameter
  std::string dir;
  std::vector<std::vector<std::string>> commands; // run in order
  int exitCode = -1;
  nlohmann::json stats;
};

// Replaces '.equ NAME, value' (first match, any spacing) with the new value.
bool setEqu(std::string &src, const std::string &name, const std::string &value) {
  std::stringstream in(src);
  std::string line, out;
  bool found = false;
  while (std::getline(in, line)) {
    std::string t = line;
    const size_t s = t.find_first_not_of(" \t");
    if (!found && s != std::string::npos && t.compare(s, 4, ".equ") == 0) {
      std::string rest = t.substr(s + 4);
      const size_t n0 = rest.find_first_not_of(" \t");
      const size_t comma = rest.find(',');
      if (n0 != std::string::npos && comma != std::string::npos) {
        std::string nm = rest.substr(n0, comma - n0);
        nm.erase(nm.find_last_not_of(" \t") + 1);
        if (nm == name) {
          line = ".equ " + name + ", " + value;
          found = true;
        }
      }
    }
    out += line + "\n";
  }
  src = out;
  return found;
}

// Replaces every line that is exactly "{{cores}}" (surrounding blanks
// allowed; a mention in a comment is left alone).
std::string expandCores(const std::string &src, uint32_t width, uint32_t height) {
  std::string cores;
  for (uint32_t y = 0; y < height; ++y)
    for (uint32_t x = 0; x < width; ++x)
      cores += ".core " + std::to_string(x) + ", " + std::to_string(y) + "\n";
  std::stringstream in(src);
  std::string line, out;
  while (std::getline(in, line)) {
    const size_t b = line.find_first_not_of(" \t");
    const size_t e = line.find_last_not_of(" \t\r");
    if (b != std::string::npos && line.substr(b, e - b + 1) == "{{cores}}")
      out += cores;
    else
      out += line + "\n";
  }
  return out;
}

// Builds a point's files and commands; an error message if the point is
// invalid (a chip value out of range, an unknown .equ).
std::string preparePoint(const Options &o, const nlohmann::json &baseChip,
                         const std::string &asmSource, Point &p) {
  nlohmann::json chip = baseChip;
  std::string source = asmSource;
  std::string pattern = o.traffic;
  std::vector<std::string> runArgs;
  std::map<std::string, std::string> trafficArgs;
  for (size_t i = 0; i < o.params.size(); ++i) {
    const Param &q = o.params[i];
    const std::string &v = p.values[i];
    double num = 0;
    switch (q.kind) {
    case Kind::Chip:
      if (isNumber(v, num))
        chip[q.pointer] = (std::floor(num) == num && std::fabs(num) < 1e15 &&
                           !chip[q.pointer].is_number_float())
                              ? nlohmann::json(int64_t(num))
                              : nlohmann::json(num);
      else
        chip[q.pointer] = v;
      break;
    case Kind::Traffic:
      if (q.name == "pattern")
        pattern = v;
      else
        trafficArgs[q.name] = v;
      break;
    case Kind::Equ:
      if (!setEqu(source, q.name.substr(4), v))
        return o.asmPath + " has no '.equ " + q.name.substr(4) + ", ...' line";
      break;
    case Kind::Run:
      runArgs.push_back("--" + std::string(q.name == "max_cycles" ? "max-cycles" : q.name));
      runArgs.push_back(v);
      break;
    }
  }
  auto parsed = xpu::parseChipDescriptor(chip, "point " + std::to_string(p.index));
  if (!parsed)
    return parsed.error().message;
  char name[16];
  std::snprintf(name, sizeof name, "%04zu", p.index);
  p.dir = (fs::path(o.out) / "runs" / name).string();
  fs::create_directories(p.dir);
  const std::string chipFile = p.dir + "/chip.json";
  const std::string stats = p.dir + "/stats.json";
  writeText(chipFile, chip.dump(2) + "\n");
  std::vector<std::string> sim = {o.sim};
  if (!o.traffic.empty()) {
    sim.insert(sim.end(), {"--traffic", pattern, "--chip", chipFile, "--stats", stats});
    for (const auto &[k, v] : trafficArgs) {
      std::string flag = k;
      std::replace(flag.begin(), flag.end(), '_', '-');
      sim.insert(sim.end(), {"--" + flag, v});
    }
  } else {
    std::string exe = o.exePath;
    if (!o.asmPath.empty()) {
      source = expandCores(source, parsed->width, parsed->height);
      writeText(p.dir + "/program.s", source);
      exe = p.dir + "/program.xpuexe";
      p.commands.push_back({o.as, p.dir + "/program.s", "--chip", chipFile, "-o", exe});
    }
    sim.insert(sim.end(), {exe, "--chip", chipFile, "--quiet", "--stats", stats});
    sim.insert(sim.end(), runArgs.begin(), runArgs.end());
  }
  sim.insert(sim.end(), o.simArgs.begin(), o.simArgs.end());
  p.commands.push_back(sim);
  return "";
}

// Runs a point's commands in order in a forked helper process (no shell),
// which exits with the first non-zero exit code; the parent waits for
// helpers, -j at a time.
pid_t launch(const Point &p) {
  const pid_t pid = fork();
  if (pid != 0)
    return pid;
  const int log = open((p.dir + "/log.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int devnull = open("/dev/null", O_WRONLY);
  for (const auto &cmd : p.commands) {
    std::vector<char *> argv;
    for (const auto &a : cmd)
      argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (log >= 0) {
      // xpu-sim prints the traffic JSON and the run summary on stdout; the
      // stats file is what we gather, so stdout and stderr go to the log.
      posix_spawn_file_actions_adddup2(&fa, log, 1);
      posix_spawn_file_actions_adddup2(&fa, log, 2);
    } else if (devnull >= 0) {
      posix_spawn_file_actions_adddup2(&fa, devnull, 1);
    }
    if (log >= 0) {
      std::string line = "$";
      for (const auto &a : cmd)
        line += " " + a;
      line += "\n";
      if (write(log, line.data(), line.size()) < 0) {
      }
    }
    pid_t child;
    if (posix_spawn(&child, argv[0], &fa, nullptr, argv.data(), environ) != 0)
      _exit(127);
    posix_spawn_file_actions_destroy(&fa);
    int status = 0;
    waitpid(child, &status, 0);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != 0)
      _exit(code);
  }
  _exit(0);
}

void progress(size_t done, size_t total, size_t running, size_t failed, bool tty) {
  if (!tty)
    return;
  const int width = 30;
  const int filled = total ? int(double(done) / double(total) * width) : width;
  std::fprintf(stderr, "\r[%s%s] %zu/%zu done, %zu running, %zu failed ",
               std::string(size_t(filled), '#').c_str(),
               std::string(size_t(width - filled), '.').c_str(), done, total, running, failed);
  std::fflush(stderr);
}

// ---------------------------------------------------------------- gathering

void flatten(const nlohmann::json &j, const std::string &prefix,
             std::map<std::string, nlohmann::json> &out) {
  if (j.is_object()) {
    for (const auto &[k, v] : j.items())
      flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (j.is_number() || j.is_boolean() || j.is_string()) {
    out[prefix] = j;
  }
  // arrays (cores, link_flits, link_utilisation) are per-element data: not
  // columns; results.json keeps them.
}

std::string csvField(const nlohmann::json &v) {
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s.find_first_of(",\"\n") == std::string::npos)
      return s;
    std::string q = "\"";
    for (char c : s)
      q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  }
  if (v.is_boolean())
    return v.get<bool>() ? "1" : "0";
  if (v.is_number_float())
    return xpu::emu::svg::number(v.get<double>(), 10);
  return v.dump();
}

std::string shortName(const std::string &param) {
  std::string s = param;
  const size_t p = s.find_last_of("./");
  return p == std::string::npos ? s : s.substr(p + 1);
}

bool lookup(const nlohmann::json &stats, const std::string &path, double &v) {
  const nlohmann::json *j = &stats;
  std::stringstream ss(path);
  std::string key;
  while (std::getline(ss, key, '.')) {
    if (!j->is_object() || !j->contains(key))
      return false;
    j = &(*j)[key];
  }
  if (j->is_boolean()) {
    v = j->get<bool>() ? 1 : 0;
    return true;
  }
  if (!j->is_number())
    return false;
  v = j->get<double>();
  return true;
}

// x: a parameter (by name) or a metric; series: parameter indices.
std::string plot(const Options &o, const std::vector<Point> &points, const std::string &x,
                 const std::string &y, const std::vector<size_t> &seriesParams,
                 const std::string &title) {
  int xParam = -1;
  for (size_t i = 0; i < o.params.size(); ++i)
    if (o.params[i].name == x || shortName(o.params[i].name) == x)
      xParam = int(i);
  std::map<std::string, xpu::emu::Series> series;
  std::vector<std::string> order;
  for (const Point &p : points) {
    if (p.exitCode != 0)
      continue;
    double xv, yv;
    if (xParam >= 0 ? !isNumber(p.values[size_t(xParam)], xv) : !lookup(p.stats, x, xv))
      continue;
    if (!lookup(p.stats, y, yv))
      continue;
    std::string name;
    for (size_t s : seriesParams)
      name += (name.empty() ? "" : ", ") + shortName(o.params[s].name) + "=" + p.values[s];
    if (name.empty())
      name = y;
    if (!series.count(name)) {
      order.push_back(name);
      series[name].name = name;
    }
    series[name].points.push_back({xv, yv});
  }
  std::vector<xpu::emu::Series> list;
  for (const auto &n : order) {
    auto s = series[n];
    std::stable_sort(s.points.begin(), s.points.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    list.push_back(s);
  }
  xpu::emu::ChartOptions co;
  co.title = title;
  co.xLabel = x;
  co.yLabel = y;
  co.yMax = o.yMax;
  return xpu::emu::lineChart(list, co);
}

std::string fileSafe(std::string s) {
  for (char &c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      c = '_';
  return s;
}

int realMain(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string &out) {
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--") {
      for (++i; i < argc; ++i)
        o.simArgs.push_back(argv[i]);
    } else if (a == "--chip") {
      if (!value(o.chipPath)) return usageError("--chip needs a file");
    } else if (a == "--traffic") {
      if (!value(o.traffic)) return usageError("--traffic needs a pattern");
    } else if (a == "--asm") {
      if (!value(o.asmPath)) return usageError("--asm needs a file");
    } else if (a == "--exe") {
      if (!value(o.exePath)) return usageError("--exe needs a file");
    } else if (a == "--out") {
      if (!value(o.out)) return usageError("--out needs a directory");
    } else if (a == "--sim") {
      if (!value(o.sim)) return usageError("--sim needs a path");
    } else if (a == "--as") {
      if (!value(o.as)) return usageError("--as needs a path");
    } else if (a == "--y") {
      if (!value(v)) return usageError("--y needs a metric");
      o.yMetrics.push_back(v);
    } else if (a == "--plot") {
      if (!value(v)) return usageError("--plot needs X:Y[:SERIES]");
      o.plots.push_back(v);
    } else if (a == "--ymax") {
      if (!value(v) || !isNumber(v, o.yMax) || o.yMax <= 0)
        return usageError("--ymax expects a positive number");
    } else if (a == "-j" || a.rfind("-j", 0) == 0) {
      std::string n = a.size() > 2 ? a.substr(2) : "";
      if (n.empty() && !value(n)) return usageError("-j needs a number");
      double d;
      if (!isNumber(n, d) || d < 1 || d > 256 || std::floor(d) != d)
        return usageError("-j expects 1..256, got '" + n + "'");
      o.jobs = unsigned(d);
    } else if (a == "--param") {
      if (!value(v)) return usageError("--param needs NAME=VALUES");
      const size_t eq = v.find('=');
      if (eq == std::string::npos || eq == 0)
        return usageError("--param expects NAME=V1,V2,... or NAME=START:STOP:STEP, got '" + v + "'");
      Param p;
      p.name = v.substr(0, eq);
      std::string err;
      if (!parseValues(v.substr(eq + 1), p.values, err))
        return usageError("--param " + p.name + ": " + err);
      o.params.push_back(std::move(p));
    } else {
      return usageError("unknown argument '" + a + "'");
    }
  }
  const int modes = !o.traffic.empty() + !o.asmPath.empty() + !o.exePath.empty();
  if (modes != 1)
    return usageError("give exactly one of --traffic, --asm, --exe");
  if (o.chipPath.empty())
    return usageError("--chip BASE.json is required");
  if (o.params.empty())
    return usageError("no --param given");
  if (o.sim.empty())
    o.sim = selfDir() + "/xpu-sim";
  if (o.as.empty())
    o.as = selfDir() + "/xpu-as";

  auto base = xpu::loadChipDescriptor(o.chipPath);
  if (!base)
    return inputError(base.error().message);
  const nlohmann::json baseChip = xpu::toJson(*base);
  std::string asmSource;
  if (!o.asmPath.empty() && !readText(o.asmPath, asmSource))
    return inputError("cannot read " + o.asmPath);
  if (!o.exePath.empty() && !fs::exists(o.exePath))
    return inputError("cannot read " + o.exePath);

  static const std::set<std::string> traffic = {"rate", "pattern", "packet_flits",
                                                "warmup", "measure", "seed"};
  static const std::set<std::string> run = {"cycles", "steps", "max_cycles"};
  std::set<std::string> seen;
  for (Param &p : o.params) {
    if (!seen.insert(p.name).second)
      return usageError("parameter '" + p.name + "' given twice");
    double d;
    for (const auto &v : p.values)
      p.numeric &= isNumber(v, d);
    if (traffic.count(p.name)) {
      if (o.traffic.empty())
        return usageError("'" + p.name + "' is a traffic setting: it needs --traffic");
      p.kind = Kind::Traffic;
    } else if (run.count(p.name)) {
      if (!o.traffic.empty())
        return usageError("'" + p.name + "' is a program setting: not with --traffic");
      p.kind = Kind::Run;
    } else if (p.name.rfind("equ.", 0) == 0) {
      if (o.asmPath.empty())
        return usageError("'" + p.name + "' needs --asm");
      p.kind = Kind::Equ;
    } else {
      std::string ptr = p.name;
      if (ptr[0] != '/') {
        std::replace(ptr.begin(), ptr.end(), '.', '/');
        ptr = "/" + ptr;
      }
      try {
        p.pointer = nlohmann::json::json_pointer(ptr);
      } catch (const std::exception &) {
        return usageError("bad parameter name '" + p.name + "'");
      }
      if (!baseChip.contains(p.pointer) || baseChip[p.pointer].is_object())
        return usageError("unknown parameter '" + p.name +
                          "' (chip fields as in docs/arch.md, e.g. noc.virtual_channels; "
                          "rate, pattern, packet_flits, warmup, measure, seed; equ.NAME; "
                          "cycles, steps, max_cycles)");
      p.kind = Kind::Chip;
    }
  }
  if (!o.exePath.empty())
    for (const Param &p : o.params)
      if (p.kind == Kind::Chip && (p.name.find("width") != std::string::npos ||
                                   p.name.find("height") != std::string::npos))
        return usageError("an --exe has a fixed mesh: sweep mesh size with --asm");

  // The grid, first parameter varying slowest.
  std::vector<Point> points;
  std::vector<size_t> idx(o.params.size(), 0);
  while (true) {
    Point p;
    p.index = points.size() + 1;
    for (size_t i = 0; i < o.params.size(); ++i)
      p.values.push_back(o.params[i].values[idx[i]]);
    points.push_back(std::move(p));
    if (points.size() > 100000)
      return usageError("the grid has more than 100000 points");
    size_t k = o.params.size();
    while (k > 0) {
      --k;
      if (++idx[k] < o.params[k].values.size())
        break;
      idx[k] = 0;
      if (k == 0) {
        k = SIZE_MAX;
        break;
      }
    }
    if (k == SIZE_MAX)
      break;
  }

  std::error_code ec;
  fs::create_directories(fs::path(o.out) / "plots", ec);
  if (ec)
    return inputError("cannot create " + o.out + ": " + ec.message());
  for (Point &p : points)
    if (std::string err = preparePoint(o, baseChip, asmSource, p); !err.empty())
      return inputError("point " + std::to_string(p.index) + ": " + err);

  // Run, -j at a time.
  const bool tty = isatty(2);
  size_t next = 0, done = 0, failed = 0;
  std::map<pid_t, size_t> running;
  progress(0, points.size(), 0, 0, tty);
  while (done < points.size()) {
    while (running.size() < o.jobs && next < points.size()) {
      const pid_t pid = launch(points[next]);
      if (pid < 0)
        return inputError("cannot start a process");
      running[pid] = next++;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0)
      break;
    auto it = running.find(pid);
    if (it == running.end())
      continue;
    Point &p = points[it->second];
    running.erase(it);
    p.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::string text;
    if (readText(p.dir + "/stats.json", text))
      p.stats = nlohmann::json::parse(text, nullptr, false);
    if (p.stats.is_discarded())
      p.stats = nullptr;
    if (p.exitCode != 0) {
      ++failed;
      if (tty)
        std::fputc('\n', stderr);
      std::cerr << "xpu-sweep: point " << p.index << " failed (exit " << p.exitCode
                << "), see " << p.dir << "/log.txt\n";
    }
    ++done;
    progress(done, points.size(), running.size(), failed, tty);
  }
  if (tty)
    std::fputc('\n', stderr);

  // Gather.
  nlohmann::json results;
  results["parameters"] = nlohmann::json::array();
  for (const Param &p : o.params)
    results["parameters"].push_back(p.name);
  results["points"] = nlohmann::json::array();
  std::set<std::string> columns;
  std::vector<std::map<std::string, nlohmann::json>> flat(points.size());
  for (size_t i = 0; i < points.size(); ++i) {
    const Point &p = points[i];
    nlohmann::json params = nlohmann::json::object();
    for (size_t k = 0; k < o.params.size(); ++k) {
      double d;
      params[o.params[k].name] = o.params[k].numeric && isNumber(p.values[k], d)
                                     ? nlohmann::json(d)
                                     : nlohmann::json(p.values[k]);
    }
    results["points"].push_back({{"index", p.index}, {"dir", p.dir}, {"params", params},
                                 {"exit_code", p.exitCode}, {"stats", p.stats}});
    if (p.stats.is_object())
      flatten(p.stats, "", flat[i]);
    for (const auto &[k, v] : flat[i])
      columns.insert(k);
  }
  std::string csv = "index";
  for (const Param &p : o.params)
    csv += "," + p.name;
  csv += ",exit_code";
  for (const auto &c : columns)
    csv += "," + c;
  csv += "\n";
  for (size_t i = 0; i < points.size(); ++i) {
    csv += std::to_string(points[i].index);
    for (const auto &v : points[i].values)
      csv += "," + csvField(v);
    csv += "," + std::to_string(points[i].exitCode);
    for (const auto &c : columns) {
      auto it = flat[i].find(c);
      csv += "," + (it == flat[i].end() ? std::string() : csvField(it->second));
    }
    csv += "\n";
  }
  if (!writeText(o.out + "/results.json", results.dump(2) + "\n") ||
      !writeText(o.out + "/results.csv", csv))
    return inputError("cannot write the results in " + o.out);

  // Plots: one per numeric swept parameter (y: each --y metric), plus --plot.
  std::vector<std::string> ys = o.yMetrics;
  if (ys.empty())
    ys.push_back(o.traffic.empty() ? "cycles" : "latency_cycles.avg");
  std::vector<std::string> written;
  for (size_t i = 0; i < o.params.size(); ++i) {
    if (!o.params[i].numeric || o.params[i].values.size() < 2)
      continue;
    std::vector<size_t> others;
    for (size_t k = 0; k < o.params.size(); ++k)
      if (k != i && o.params[k].values.size() > 1)
        others.push_back(k);
    for (const auto &y : ys) {
      const std::string file = o.out + "/plots/" + fileSafe(o.params[i].name) +
                               (ys.size() > 1 ? "." + fileSafe(y) : "") + ".svg";
      writeText(file, plot(o, points, o.params[i].name, y, others, y + " vs " + o.params[i].name));
      written.push_back(file);
    }
  }
  for (const std::string &spec : o.plots) {
    std::vector<std::string> parts;
    std::stringstream ss(spec);
    std::string item;
    while (std::getline(ss, item, ':'))
      parts.push_back(item);
    if (parts.size() < 2 || parts.size() > 3)
      return usageError("--plot expects X:Y[:SERIES,...], got '" + spec + "'");
    std::vector<size_t> series;
    if (parts.size() == 3) {
      std::stringstream sl(parts[2]);
      while (std::getline(sl, item, ',')) {
        size_t k = 0;
        while (k < o.params.size() && o.params[k].name != item && shortName(o.params[k].name) != item)
          ++k;
        if (k == o.params.size())
          return usageError("--plot series '" + item + "' is not a swept parameter");
        series.push_back(k);
      }
    } else {
      for (size_t k = 1; k < o.params.size(); ++k)
        if (o.params[k].values.size() > 1 && o.params[k].name != parts[0])
          series.push_back(k);
    }
    const std::string file = o.out + "/plots/" + fileSafe(parts[1]) + "-vs-" +
                             fileSafe(parts[0]) + ".svg";
    writeText(file, plot(o, points, parts[0], parts[1], series, parts[1] + " vs " + parts[0]));
    written.push_back(file);
  }
  std::cout << "xpu-sweep: " << points.size() << " points, " << failed << " failed; "
            << o.out << "/results.csv, " << o.out << "/results.json";
  for (const auto &w : written)
    std::cout << ", " << w;
  std::cout << "\n";
  return failed ? 1 : 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return realMain(argc, argv);
  } catch (const std::exception &e) {
    std::cerr << "xpu-sweep: internal error: " << e.what() << "\n";
    return 70;
  }
}

// libsystemc (linked through XpuEmulator for the SVG code) references
// sc_main; this program has its own main.
int sc_main(int, char *[]) { return 1; }
