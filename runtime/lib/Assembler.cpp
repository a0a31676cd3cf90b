// The XPU assembler (docs/assembly.md): two passes over the source.
//
// Pass 1 splits lines into labels and statements, assigns every instruction
// its index and every data directive its address, and defines labels. Pass 2
// evaluates operands (labels may be used before they are defined) and encodes
// through xpu::encode, the single ISA encoder. Every error carries
// file:line:col and all errors are reported.
#include "xpu/Assembler.h"
#include "xpu/Isa.h"
#include "xpu/Semantics.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

namespace xpu {
namespace {

struct Loc {
  unsigned line = 0, col = 0;
};

/// One comma-separated operand with its source column.
struct Operand {
  std::string text;
  unsigned col = 0;
};

struct Statement {
  Loc loc;
  std::string op;                // mnemonic or directive (".word")
  std::vector<Operand> operands;
  uint32_t image = 0;
  uint32_t position = 0;         // instruction index, or data address
  uint32_t size = 0;             // data bytes (fixed in pass 1)
};

struct Label {
  int64_t value = 0;
  bool code = true;
  Loc loc;
};

struct ImageState {
  std::string name;
  Loc loc;
  uint32_t codeSize = 0;
  std::map<std::string, Label> labels;
  std::optional<Statement> entry;
  // Data: (address, size) of every byte range, to detect overlaps.
  std::vector<std::pair<uint32_t, uint32_t>> dataRanges;
};

bool isIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
bool isIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

std::string trim(const std::string &s, unsigned *lead = nullptr) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  if (lead) *lead = unsigned(b);
  return s.substr(b, e - b);
}

class Assembler {
public:
  Assembler(std::string_view source, std::string filename, const ChipDescriptor &chip)
      : source_(source), file_(std::move(filename)), chip_(chip) {}

  Expected<Executable> run();

private:
  void error(Loc loc, const std::string &msg) {
    diags_.push_back({loc.line, loc.col, file_ + ":" + std::to_string(loc.line) + ":" +
                                             std::to_string(loc.col) + ": error: " + msg});
  }
  void error(const Statement &s, const Operand &o, const std::string &msg) {
    error(Loc{s.loc.line, o.col}, msg);
  }

  void pass1Line(const std::string &line, unsigned lineNo);
  void directive(Statement &s);
  void pass2Instruction(const Statement &s);
  void pass2Data(const Statement &s);

  // Expression evaluation. `image` scopes labels; `pass1` forbids labels not
  // yet defined (used for sizes and addresses that pass 1 must know).
  std::optional<int64_t> eval(const Statement &s, const Operand &o, bool pass1 = false);
  std::optional<int64_t> evalRange(const Statement &s, const Operand &o, int64_t lo, int64_t hi,
                                   const char *what, bool pass1 = false);
  std::optional<unsigned> reg(const Statement &s, const Operand &o);
  std::optional<std::pair<uint32_t, uint32_t>> coords(const Statement &s, const Operand &x,
                                                      const Operand &y);
  std::optional<uint32_t> coreAt(const Statement &s, const Operand &x, const Operand &y) {
    auto c = coords(s, x, y);
    if (!c) return std::nullopt;
    return chip_.coreId(c->first, c->second);
  }
  bool arity(const Statement &s, size_t n, const char *form);
  bool needImage(const Statement &s);
  void addDataBytes(Statement &s, uint32_t size);

  std::string_view source_;
  std::string file_;
  const ChipDescriptor &chip_;
  struct Diag {
    unsigned line, col;
    std::string text;
  };
  std::vector<Diag> diags_; // reported sorted by position, as a compiler does

  std::vector<ImageState> images_;
  std::map<std::string, uint32_t> imageIndex_;
  std::map<std::string, int64_t> equs_;
  std::vector<Statement> statements_;
  bool inData_ = false;
  uint32_t dataCursor_ = 0;

  Executable exe_;
  std::map<uint32_t, Loc> coreOwner_;
  std::map<uint32_t, Loc> groupDefined_;
  std::set<std::pair<uint32_t, uint32_t>> mailboxDefined_;
  std::set<std::string> ioNames_;
};

std::vector<Operand> splitOperands(const std::string &text, unsigned baseCol) {
  std::vector<Operand> out;
  int depth = 0;
  size_t start = 0;
  auto push = [&](size_t end) {
    unsigned lead = 0;
    std::string t = trim(text.substr(start, end - start), &lead);
    out.push_back({t, baseCol + unsigned(start) + lead});
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    else if (text[i] == ')') --depth;
    else if (text[i] == ',' && depth == 0) {
      push(i);
      start = i + 1;
    }
  }
  if (!trim(text).empty() || !out.empty())
    push(text.size());
  return out;
}

void Assembler::pass1Line(const std::string &rawLine, unsigned lineNo) {
  // Strip comments.
  std::string line = rawLine;
  size_t cut = line.find_first_of(";#");
  if (cut != std::string::npos)
    line.resize(cut);
  size_t pos = 0;
  auto skipSpace = [&] {
    while (pos < line.size() && std::isspace(static_cast<unsigned char>(line[pos]))) ++pos;
  };
  // Labels: "name:" possibly several.
  for (;;) {
    skipSpace();
    size_t p = pos;
    if (p < line.size() && isIdentStart(line[p]) && line[p] != '.') {
      while (p < line.size() && isIdentChar(line[p])) ++p;
      size_t q = p;
      while (q < line.size() && (line[q] == ' ' || line[q] == '\t')) ++q;
      if (q < line.size() && line[q] == ':') {
        std::string name = line.substr(pos, p - pos);
        Loc loc{lineNo, unsigned(pos + 1)};
        if (images_.empty()) {
          error(loc, "label '" + name + "' outside an image (start one with .image NAME)");
        } else {
          ImageState &im = images_.back();
          auto [it, fresh] = im.labels.insert({name, Label{}});
          if (!fresh) {
            error(loc, "label '" + name + "' is already defined at line " +
                           std::to_string(it->second.loc.line));
          } else {
            it->second = Label{inData_ ? int64_t(dataCursor_) : int64_t(im.codeSize), !inData_, loc};
          }
        }
        pos = q + 1;
        continue;
      }
    }
    break;
  }
  skipSpace();
  if (pos >= line.size())
    return;
  Statement s;
  s.loc = Loc{lineNo, unsigned(pos + 1)};
  size_t opEnd = pos;
  while (opEnd < line.size() && !std::isspace(static_cast<unsigned char>(line[opEnd]))) ++opEnd;
  s.op = line.substr(pos, opEnd - pos);
  std::transform(s.op.begin(), s.op.end(), s.op.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  s.operands = splitOperands(line.substr(opEnd), unsigned(opEnd + 1));
  for (const Operand &o : s.operands)
    if (o.text.empty()) {
      error(Loc{lineNo, o.col}, "empty operand");
      return;
    }
  s.image = images_.empty() ? 0 : uint32_t(images_.size() - 1);

  if (s.op[0] == '.') {
    directive(s);
    return;
  }
  if (!needImage(s))
    return;
  if (inData_) {
    error(s.loc, "instruction '" + s.op + "' in a .data section (use .text first)");
    return;
  }
  if (!opcodeFromMnemonic(s.op)) {
    error(s.loc, "unknown instruction '" + s.op + "'");
    return;
  }
  ImageState &im = images_.back();
  s.position = im.codeSize++;
  statements_.push_back(std::move(s));
}

bool Assembler::needImage(const Statement &s) {
  if (!images_.empty())
    return true;
  error(s.loc, "'" + s.op + "' outside an image (start one with .image NAME)");
  return false;
}

bool Assembler::arity(const Statement &s, size_t n, const char *form) {
  if (s.operands.size() == n)
    return true;
  error(s.loc, "'" + s.op + "' expects " + std::to_string(n) + " operand" + (n == 1 ? "" : "s") +
                   " (" + form + "), got " + std::to_string(s.operands.size()));
  return false;
}

void Assembler::addDataBytes(Statement &s, uint32_t size) {
  ImageState &im = images_.back();
  if (uint64_t(dataCursor_) + size > chip_.sramBytes) {
    error(s.loc, "data at " + std::to_string(dataCursor_) + " of " + std::to_string(size) +
                     " bytes exceeds SRAM of " + std::to_string(chip_.sramBytes) + " bytes");
    return;
  }
  for (auto [a, n] : im.dataRanges)
    if (size && dataCursor_ < a + n && a < dataCursor_ + size) {
      error(s.loc, "data at " + std::to_string(dataCursor_) + " overlaps earlier data of this image");
      return;
    }
  if (size) {
    if (!im.dataRanges.empty() && im.dataRanges.back().first + im.dataRanges.back().second == dataCursor_)
      im.dataRanges.back().second += size;
    else
      im.dataRanges.push_back({dataCursor_, size});
  }
  s.position = dataCursor_;
  s.size = size;
  dataCursor_ += size;
  statements_.push_back(s);
}

void Assembler::directive(Statement &s) {
  const std::string &d = s.op;
  if (d == ".image") {
    if (!arity(s, 1, ".image NAME")) return;
    const std::string &name = s.operands[0].text;
    if (!isIdentStart(name[0]) || !std::all_of(name.begin(), name.end(), isIdentChar)) {
      error(s, s.operands[0], "invalid image name '" + name + "'");
      return;
    }
    if (imageIndex_.count(name)) {
      error(s, s.operands[0], "image '" + name + "' is already defined");
      return;
    }
    imageIndex_[name] = uint32_t(images_.size());
    images_.push_back(ImageState{name, s.loc, 0, {}, std::nullopt, {}});
    inData_ = false;
    return;
  }
  if (d == ".equ") {
    if (!arity(s, 2, ".equ NAME, VALUE")) return;
    const std::string &name = s.operands[0].text;
    if (!isIdentStart(name[0]) || !std::all_of(name.begin(), name.end(), isIdentChar)) {
      error(s, s.operands[0], "invalid constant name '" + name + "'");
      return;
    }
    if (equs_.count(name)) {
      error(s, s.operands[0], "constant '" + name + "' is already defined");
      return;
    }
    if (auto v = eval(s, s.operands[1], /*pass1=*/true))
      equs_[name] = *v;
    return;
  }
  if (d == ".group") {
    if (s.operands.size() < 2) {
      error(s.loc, "'.group' expects ID, (SX,SY), (DX,DY), ...");
      return;
    }
    auto id = evalRange(s, s.operands[0], 0, int64_t(chip_.multicastGroups) - 1,
                        "multicast group id (chip multicast_groups)", true);
    if (!id) return;
    if (groupDefined_.count(uint32_t(*id))) {
      error(s, s.operands[0], "multicast group " + std::to_string(*id) + " is already defined at line " +
                                  std::to_string(groupDefined_[uint32_t(*id)].line));
      return;
    }
    MulticastGroup g;
    g.id = uint32_t(*id);
    for (size_t i = 1; i < s.operands.size(); ++i) {
      const Operand &o = s.operands[i];
      if (o.text.size() < 2 || o.text.front() != '(' || o.text.back() != ')') {
        error(s, o, "expected a tile as (X, Y), got '" + o.text + "'");
        return;
      }
      std::vector<Operand> xy = splitOperands(o.text.substr(1, o.text.size() - 2), o.col + 1);
      if (xy.size() != 2) {
        error(s, o, "expected a tile as (X, Y), got '" + o.text + "'");
        return;
      }
      auto c = coreAt(s, xy[0], xy[1]);
      if (!c) return;
      if (i == 1) g.source = *c;
      else g.destinations.push_back(*c);
    }
    if (g.destinations.empty()) {
      error(s.loc, "multicast group " + std::to_string(g.id) + " has no destinations");
      return;
    }
    std::sort(g.destinations.begin(), g.destinations.end());
    if (std::adjacent_find(g.destinations.begin(), g.destinations.end()) != g.destinations.end()) {
      error(s.loc, "multicast group " + std::to_string(g.id) + " lists a destination twice");
      return;
    }
    groupDefined_[g.id] = s.loc;
    exe_.multicastGroups.push_back(std::move(g));
    return;
  }
  if (d == ".mailbox") {
    if (!arity(s, 4, ".mailbox X, Y, MBOX, POLICY")) return;
    auto c = coreAt(s, s.operands[0], s.operands[1]);
    auto m = evalRange(s, s.operands[2], 0, int64_t(chip_.mailboxes) - 1, "mailbox", true);
    auto pol = policyFromName(s.operands[3].text);
    if (!pol)
      error(s, s.operands[3], "unknown mailbox policy '" + s.operands[3].text +
                                  "' (expected block, drop_newest, drop_oldest or error)");
    if (!c || !m || !pol) return;
    if (!mailboxDefined_.insert({*c, uint32_t(*m)}).second) {
      error(s.loc, "mailbox " + std::to_string(*m) + " of this core already has a policy");
      return;
    }
    exe_.mailboxPolicies.push_back({*c, uint32_t(*m), *pol});
    return;
  }
  if (d == ".input" || d == ".output") {
    if (!arity(s, 6, "NAME, X, Y, ADDR, DTYPE, COUNT")) return;
    IoBinding b;
    b.name = s.operands[0].text;
    if (!ioNames_.insert(b.name).second) {
      error(s, s.operands[0], "input/output '" + b.name + "' is already defined");
      return;
    }
    auto c = coreAt(s, s.operands[1], s.operands[2]);
    auto addr = evalRange(s, s.operands[3], 0, int64_t(chip_.sramBytes) - 1, "SRAM address", false);
    b.dtype = s.operands[4].text;
    uint32_t eb = b.dtype == "i8" || b.dtype == "u8" ? 1 : b.dtype == "i16" ? 2 : b.dtype == "i32" ? 4 : 0;
    if (!eb) error(s, s.operands[4], "unknown dtype '" + b.dtype + "' (expected i8, u8, i16 or i32)");
    auto count = evalRange(s, s.operands[5], 1, chip_.sramBytes, "element count", true);
    if (!c || !addr || !eb || !count) return;
    b.core = *c;
    b.address = uint32_t(*addr);
    b.bytes = uint32_t(*count) * eb;
    b.shape = {*count};
    if (uint64_t(b.address) + b.bytes > chip_.sramBytes) {
      error(s.loc, "window [" + std::to_string(b.address) + ", " + std::to_string(b.address + uint64_t(b.bytes)) +
                       ") exceeds SRAM of " + std::to_string(chip_.sramBytes) + " bytes");
      return;
    }
    if (b.address % eb) {
      error(s, s.operands[3], "address must be a multiple of " + std::to_string(eb) + " for " + b.dtype);
      return;
    }
    (d == ".input" ? exe_.inputs : exe_.outputs).push_back(std::move(b));
    return;
  }

  // Everything below belongs to an image.
  if (!needImage(s))
    return;
  ImageState &im = images_.back();
  const uint32_t imageIdx = uint32_t(images_.size() - 1);
  if (d == ".core" || d == ".spare") {
    if (!arity(s, 2, "X, Y")) return;
    auto c = coreAt(s, s.operands[0], s.operands[1]);
    if (!c) return;
    if (coreOwner_.count(*c)) {
      error(s.loc, "tile (" + s.operands[0].text + ", " + s.operands[1].text +
                       ") is already assigned at line " + std::to_string(coreOwner_[*c].line));
      return;
    }
    coreOwner_[*c] = s.loc;
    if (d == ".core") exe_.cores.push_back({*c, imageIdx});
    else exe_.spareCores.push_back(*c);
    return;
  }
  if (d == ".entry") {
    if (!arity(s, 1, ".entry LABEL")) return;
    if (im.entry) {
      error(s.loc, "image '" + im.name + "' already has an entry");
      return;
    }
    im.entry = s;
    return;
  }
  if (d == ".text") {
    if (!arity(s, 0, "no operands")) return;
    inData_ = false;
    return;
  }
  if (d == ".data") {
    if (!arity(s, 1, ".data ADDR")) return;
    auto a = evalRange(s, s.operands[0], 0, int64_t(chip_.sramBytes) - 1, "SRAM address", true);
    if (!a) return;
    inData_ = true;
    dataCursor_ = uint32_t(*a);
    return;
  }
  if (d == ".byte" || d == ".half" || d == ".word" || d == ".zero" || d == ".align") {
    if (!inData_) {
      error(s.loc, "'" + d + "' outside a data section (use .data ADDR first)");
      return;
    }
    if (d == ".zero" || d == ".align") {
      if (!arity(s, 1, d == ".zero" ? ".zero N" : ".align N")) return;
      auto n = evalRange(s, s.operands[0], d == ".zero" ? 0 : 1, chip_.sramBytes, "size", true);
      if (!n) return;
      uint32_t size = uint32_t(*n);
      if (d == ".align") {
        if (size & (size - 1)) {
          error(s, s.operands[0], "alignment must be a power of two");
          return;
        }
        size = (size - dataCursor_ % size) % size;
      }
      addDataBytes(s, size);
      return;
    }
    if (s.operands.empty()) {
      error(s.loc, "'" + d + "' expects at least one value");
      return;
    }
    const uint32_t width = d == ".byte" ? 1 : d == ".half" ? 2 : 4;
    if (dataCursor_ % width) {
      error(s.loc, "'" + d + "' at address " + std::to_string(dataCursor_) + " is not " +
                       std::to_string(width) + "-byte aligned (use .align)");
      return;
    }
    addDataBytes(s, width * uint32_t(s.operands.size()));
    return;
  }
  error(s.loc, "unknown directive '" + d + "'");
}

std::optional<int64_t> Assembler::eval(const Statement &s, const Operand &o, bool pass1) {
  const std::string &t = o.text;
  size_t i = 0;
  int64_t total = 0;
  bool expectTerm = true;
  int sign = 1;
  auto fail = [&](const std::string &msg) -> std::optional<int64_t> {
    error(Loc{s.loc.line, o.col + unsigned(i)}, msg);
    return std::nullopt;
  };
  while (i < t.size()) {
    char c = t[i];
    if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
    if (!expectTerm) {
      if (c == '+' || c == '-') { sign = c == '+' ? 1 : -1; expectTerm = true; ++i; continue; }
      return fail("expected '+' or '-' in expression '" + t + "'");
    }
    if (c == '-' || c == '+') { // unary sign
      if (c == '-') sign = -sign;
      ++i;
      continue;
    }
    int64_t value = 0;
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t start = i;
      int base = 10;
      if (c == '0' && i + 1 < t.size() && (t[i + 1] == 'x' || t[i + 1] == 'X')) { base = 16; i += 2; }
      else if (c == '0' && i + 1 < t.size() && (t[i + 1] == 'b' || t[i + 1] == 'B')) { base = 2; i += 2; }
      size_t digits = i;
      while (i < t.size() && std::isalnum(static_cast<unsigned char>(t[i]))) {
        char ch = char(std::tolower(static_cast<unsigned char>(t[i])));
        int dv = std::isdigit(static_cast<unsigned char>(ch)) ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : 99;
        if (dv >= base) {
          i = start;
          return fail("invalid number '" + t.substr(start) + "'");
        }
        value = value * base + dv;
        if (value > (int64_t(1) << 40)) {
          i = start;
          return fail("number too large");
        }
        ++i;
      }
      if (i == digits) {
        i = start;
        return fail("invalid number");
      }
    } else if (isIdentStart(c)) {
      size_t start = i;
      while (i < t.size() && isIdentChar(t[i])) ++i;
      std::string name = t.substr(start, i - start);
      size_t save = i;
      while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
      if (name == "core" && i < t.size() && t[i] == '(') {
        size_t close = t.find(')', i);
        if (close == std::string::npos) return fail("missing ')' in core(x, y)");
        std::vector<Operand> xy = splitOperands(t.substr(i + 1, close - i - 1), o.col + unsigned(i) + 1);
        if (xy.size() != 2) return fail("core() takes two arguments: core(x, y)");
        Statement inner = s;
        auto c2 = coreAt(inner, xy[0], xy[1]);
        if (!c2) return std::nullopt;
        value = *c2;
        i = close + 1;
      } else {
        i = save;
        const ImageState *im = images_.empty() ? nullptr : &images_[s.image];
        if (im && im->labels.count(name)) {
          value = im->labels.at(name).value;
        } else if (equs_.count(name)) {
          value = equs_.at(name);
        } else if (imageIndex_.count(name)) {
          value = imageIndex_.at(name);
        } else {
          i = start;
          return fail(pass1 ? "'" + name + "' is not defined (here a constant defined earlier is needed)"
                            : "undefined symbol '" + name + "'");
        }
      }
    } else {
      return fail("unexpected character '" + std::string(1, c) + "' in expression");
    }
    total += sign * value;
    sign = 1;
    expectTerm = false;
  }
  if (expectTerm)
    return fail(t.empty() ? "missing expression" : "expression '" + t + "' ends with an operator");
  return total;
}

std::optional<int64_t> Assembler::evalRange(const Statement &s, const Operand &o, int64_t lo,
                                            int64_t hi, const char *what, bool pass1) {
  auto v = eval(s, o, pass1);
  if (!v) return std::nullopt;
  if (*v < lo || *v > hi) {
    error(s, o, std::string(what) + " must be in " + std::to_string(lo) + ".." + std::to_string(hi) +
                    ", got " + std::to_string(*v));
    return std::nullopt;
  }
  return v;
}

std::optional<unsigned> Assembler::reg(const Statement &s, const Operand &o) {
  const std::string &t = o.text;
  if (t.size() >= 2 && (t[0] == 'r' || t[0] == 'R') &&
      std::all_of(t.begin() + 1, t.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
      t.size() <= 3) {
    unsigned r = unsigned(std::stoi(t.substr(1)));
    if (r < kNumRegisters && !(t.size() == 3 && t[1] == '0'))
      return r;
  }
  error(s, o, "expected a register r0..r15, got '" + t + "'");
  return std::nullopt;
}

std::optional<std::pair<uint32_t, uint32_t>> Assembler::coords(const Statement &s, const Operand &x,
                                                               const Operand &y) {
  auto vx = evalRange(s, x, 0, int64_t(chip_.width) - 1, "x (mesh width)", true);
  auto vy = evalRange(s, y, 0, int64_t(chip_.height) - 1, "y (mesh height)", true);
  if (!vx || !vy) return std::nullopt;
  return std::make_pair(uint32_t(*vx), uint32_t(*vy));
}

void Assembler::pass2Instruction(const Statement &s) {
  const Opcode op = *opcodeFromMnemonic(s.op);
  const OpcodeInfo &oi = info(op);
  Instruction inst;
  inst.op = op;
  const auto &ops = s.operands;
  const ImageState &im = images_[s.image];
  bool ok = true;
  auto R = [&](size_t i, uint8_t &field) {
    if (auto r = reg(s, ops[i])) field = uint8_t(*r); else ok = false;
  };
  auto I = [&](size_t i, int64_t lo, int64_t hi, const char *what) {
    if (auto v = evalRange(s, ops[i], lo, hi, what)) inst.imm = int32_t(*v); else ok = false;
  };
  auto immediate = [&](size_t i) { I(i, INT32_MIN, UINT32_MAX, "immediate (32 bits)"); };
  auto target = [&](size_t i) {
    I(i, 0, int64_t(im.codeSize) - 1, "branch target (an instruction of this image)");
  };
  auto memOperand = [&](size_t i) {
    const Operand &o = ops[i];
    size_t open = o.text.rfind('(');
    if (open == std::string::npos || o.text.back() != ')') {
      error(s, o, "expected a memory operand offset(rN), got '" + o.text + "'");
      ok = false;
      return;
    }
    Operand base{trim(o.text.substr(open + 1, o.text.size() - open - 2)), o.col + unsigned(open) + 1};
    if (auto r = reg(s, base)) inst.rs1 = uint8_t(*r); else ok = false;
    std::string off = trim(o.text.substr(0, open));
    if (off.empty()) {
      inst.imm = 0;
    } else if (auto v = evalRange(s, Operand{off, o.col}, INT32_MIN, INT32_MAX, "offset")) {
      inst.imm = int32_t(*v);
    } else {
      ok = false;
    }
  };
  auto mailbox = [&](size_t i) { I(i, 0, int64_t(chip_.mailboxes) - 1, "mailbox (chip mailboxes)"); };

  switch (oi.format) {
  case Format::None:
    if (!arity(s, 0, "no operands")) return;
    break;
  case Format::RdRsRs:
    if (!arity(s, 3, "rd, rs1, rs2")) return;
    R(0, inst.rd); R(1, inst.rs1); R(2, inst.rs2);
    break;
  case Format::RdRsImm:
    if (!arity(s, 3, "rd, rs1, imm")) return;
    R(0, inst.rd); R(1, inst.rs1); immediate(2);
    break;
  case Format::RdImm:
    if (!arity(s, 2, "rd, imm")) return;
    R(0, inst.rd); immediate(1);
    break;
  case Format::Load:
    if (!arity(s, 2, "rd, offset(rs1)")) return;
    R(0, inst.rd); memOperand(1);
    break;
  case Format::Store:
    if (!arity(s, 2, "rs2, offset(rs1)")) return;
    R(0, inst.rs2); memOperand(1);
    break;
  case Format::Branch:
    if (!arity(s, 3, "rs1, rs2, target")) return;
    R(0, inst.rs1); R(1, inst.rs2); target(2);
    break;
  case Format::Target:
    if (!arity(s, 1, "target")) return;
    target(0);
    break;
  case Format::RdTarget:
    if (!arity(s, 2, "rd, target")) return;
    R(0, inst.rd); target(1);
    break;
  case Format::Rs:
    if (!arity(s, 1, "rs1")) return;
    R(0, inst.rs1);
    break;
  case Format::RdCsr: {
    if (!arity(s, 2, "rd, csr")) return;
    R(0, inst.rd);
    static const char *names[] = {"coreid", "x", "y", "width", "height", "timestep", "cycle", "bootarg"};
    auto it = std::find(std::begin(names), std::end(names), ops[1].text);
    if (it != std::end(names)) inst.imm = int32_t(it - std::begin(names));
    else I(1, 0, kNumCsrs - 1, "CSR number");
    break;
  }
  case Format::RdRsRsRs:
    if (!arity(s, 4, "rd, rs1, rs2, rs3")) return;
    R(0, inst.rd); R(1, inst.rs1); R(2, inst.rs2); R(3, inst.rs3);
    break;
  case Format::RdRsRs3:
    if (!arity(s, 3, "rd, rs1, rs3")) return;
    R(0, inst.rd); R(1, inst.rs1); R(2, inst.rs3);
    break;
  case Format::Vreq: {
    if (ops.size() != 4 && ops.size() != 5) {
      error(s.loc, "'vreq' expects rd, rs1, rs3, shift[, relu]");
      return;
    }
    R(0, inst.rd); R(1, inst.rs1); R(2, inst.rs3); I(3, 0, 31, "shift");
    if (ops.size() == 5) {
      if (ops[4].text == "relu") inst.imm |= 0x100;
      else { error(s, ops[4], "expected 'relu', got '" + ops[4].text + "'"); ok = false; }
    }
    break;
  }
  case Format::Nstep: {
    if (!arity(s, 6, "rd, rs1, rs2, rs3, model, reset")) return;
    R(0, inst.rd); R(1, inst.rs1); R(2, inst.rs2); R(3, inst.rs3);
    static const char *models[] = {"if", "lif", "cuba", "li"};
    static const char *resets[] = {"zero", "subtract", "value", "none"};
    auto m = std::find(std::begin(models), std::end(models), ops[4].text);
    auto r = std::find(std::begin(resets), std::end(resets), ops[5].text);
    if (m == std::end(models)) { error(s, ops[4], "unknown neuron model '" + ops[4].text + "' (expected if, lif, cuba or li)"); ok = false; }
    if (r == std::end(resets)) { error(s, ops[5], "unknown reset mode '" + ops[5].text + "' (expected zero, subtract, value or none)"); ok = false; }
    if (ok) inst.imm = int32_t(m - std::begin(models)) | int32_t(r - std::begin(resets)) << 2;
    break;
  }
  case Format::Send:
    if (!arity(s, 4, "rs1, rs2, rs3, mailbox")) return;
    R(0, inst.rs1); R(1, inst.rs2); R(2, inst.rs3); mailbox(3);
    break;
  case Format::Recv:
    if (!arity(s, 3, "rd, rs1, mailbox")) return;
    R(0, inst.rd); R(1, inst.rs1); mailbox(2);
    break;
  case Format::RdMbox:
    if (!arity(s, 2, "rd, mailbox")) return;
    R(0, inst.rd); mailbox(1);
    break;
  case Format::Spawn:
    if (!arity(s, 3, "rs1, rs2, image")) return;
    R(0, inst.rs1); R(1, inst.rs2); I(2, 0, int64_t(images_.size()) - 1, "image index");
    break;
  }
  if (!ok) return;
  ProgramImage &pi = exe_.images[s.image];
  pi.code[s.position] = encode(inst);
}

void Assembler::pass2Data(const Statement &s) {
  std::vector<uint8_t> bytes;
  if (s.op == ".zero" || s.op == ".align") {
    bytes.assign(s.size, 0); // size fixed in pass 1
  } else {
    const unsigned width = s.op == ".byte" ? 1 : s.op == ".half" ? 2 : 4;
    const int64_t lo = -(int64_t(1) << (8 * width - 1)), hi = (int64_t(1) << (8 * width)) - 1;
    for (const Operand &o : s.operands) {
      auto v = evalRange(s, o, lo, hi, width == 1 ? "byte value" : width == 2 ? "half value" : "word value");
      uint64_t u = v ? uint64_t(*v) : 0;
      for (unsigned k = 0; k < width; ++k)
        bytes.push_back(uint8_t(u >> (8 * k)));
    }
  }
  if (bytes.empty()) return;
  // Merge with the previous segment when contiguous.
  ProgramImage &pi = exe_.images[s.image];
  if (!pi.data.empty() && pi.data.back().address + pi.data.back().bytes.size() == s.position) {
    pi.data.back().bytes.insert(pi.data.back().bytes.end(), bytes.begin(), bytes.end());
  } else {
    pi.data.push_back({s.position, std::move(bytes)});
  }
}

Expected<Executable> Assembler::run() {
  exe_.chip = chip_;
  exe_.producer = "xpu-as";
  // Pass 1.
  unsigned lineNo = 0;
  size_t pos = 0;
  while (pos <= source_.size()) {
    size_t nl = source_.find('\n', pos);
    if (nl == std::string_view::npos) nl = source_.size();
    std::string line(source_.substr(pos, nl - pos));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pass1Line(line, ++lineNo);
    pos = nl + 1;
  }
  if (images_.empty() && diags_.empty())
    error(Loc{1, 1}, "no program image (start one with .image NAME)");

  for (const ImageState &im : images_) {
    ProgramImage pi;
    pi.name = im.name;
    pi.code.assign(im.codeSize, 0);
    if (im.codeSize == 0)
      error(im.loc, "image '" + im.name + "' has no instructions");
    if (im.codeSize > chip_.imemInstructions)
      error(im.loc, "image '" + im.name + "' has " + std::to_string(im.codeSize) +
                        " instructions; IMEM holds " + std::to_string(chip_.imemInstructions));
    exe_.images.push_back(std::move(pi));
  }
  // Pass 2.
  for (const Statement &s : statements_) {
    if (s.op[0] == '.') pass2Data(s);
    else pass2Instruction(s);
  }
  for (size_t i = 0; i < images_.size(); ++i) {
    const ImageState &im = images_[i];
    if (im.entry) {
      const Operand &o = im.entry->operands[0];
      auto it = im.labels.find(o.text);
      if (it == im.labels.end() || !it->second.code)
        error(*im.entry, o, "entry must be a code label of image '" + im.name + "'");
      else
        exe_.images[i].entry = uint32_t(it->second.value);
    }
    for (const auto &[name, label] : im.labels)
      exe_.symbols.push_back({name, uint32_t(i),
                              label.code ? Symbol::Kind::Code : Symbol::Kind::Data,
                              uint32_t(label.value)});
  }
  // I/O windows may refer to data labels: they were evaluated in pass 1 with
  // labels known so far; that is documented (define data before .input).
  if (diags_.empty())
    if (auto e = validateExecutable(exe_))
      diags_.push_back({~0u, 0, file_ + ": error: " + e->message});
  if (!diags_.empty()) {
    std::stable_sort(diags_.begin(), diags_.end(), [](const Diag &a, const Diag &b) {
      return a.line != b.line ? a.line < b.line : a.col < b.col;
    });
    std::string all;
    for (const Diag &d : diags_)
      all += (all.empty() ? "" : "\n") + d.text;
    return Error{all};
  }
  return std::move(exe_);
}

} // namespace

Expected<Executable> assemble(std::string_view source, const std::string &filename,
                              const ChipDescriptor &chip) {
  return Assembler(source, filename, chip).run();
}

} // namespace xpu
