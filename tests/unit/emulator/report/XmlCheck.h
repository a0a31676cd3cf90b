// A small XML well-formedness checker for the SVG tests: declaration,
// comments, nested elements with quoted attributes, entity references.
#pragma once

#include <cctype>
#include <string>
#include <vector>

namespace xpu::test {

/// Empty if `xml` is well formed (one root element), else the problem.
inline std::string checkXml(const std::string &xml) {
  std::vector<std::string> stack;
  size_t i = 0, roots = 0;
  const size_t n = xml.size();
  auto isName = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
           c == '.';
  };
  while (i < n) {
    if (xml[i] != '<') {
      if (xml[i] == '&') {
        const size_t semi = xml.find(';', i);
        const std::string ent = semi == std::string::npos ? "" : xml.substr(i + 1, semi - i - 1);
        if (ent != "amp" && ent != "lt" && ent != "gt" && ent != "quot" && ent != "apos")
          return "bad entity at " + std::to_string(i);
        i = semi + 1;
        continue;
      }
      if (stack.empty() && !std::isspace(static_cast<unsigned char>(xml[i])))
        return "text outside the root at " + std::to_string(i);
      ++i;
      continue;
    }
    if (xml.compare(i, 5, "<?xml") == 0) {
      const size_t e = xml.find("?>", i);
      if (i != 0 || e == std::string::npos)
        return "misplaced XML declaration";
      i = e + 2;
      continue;
    }
    if (xml.compare(i, 4, "<!--") == 0) {
      const size_t e = xml.find("-->", i);
      if (e == std::string::npos)
        return "unterminated comment";
      i = e + 3;
      continue;
    }
    const bool closing = i + 1 < n && xml[i + 1] == '/';
    size_t j = i + (closing ? 2 : 1);
    const size_t nameStart = j;
    while (j < n && isName(xml[j]))
      ++j;
    const std::string name = xml.substr(nameStart, j - nameStart);
    if (name.empty())
      return "element without a name at " + std::to_string(i);
    if (closing) {
      while (j < n && std::isspace(static_cast<unsigned char>(xml[j])))
        ++j;
      if (j >= n || xml[j] != '>')
        return "bad closing tag at " + std::to_string(i);
      if (stack.empty() || stack.back() != name)
        return "mismatched </" + name + "> at " + std::to_string(i);
      stack.pop_back();
      i = j + 1;
      continue;
    }
    // attributes
    std::vector<std::string> seen;
    while (true) {
      while (j < n && std::isspace(static_cast<unsigned char>(xml[j])))
        ++j;
      if (j >= n)
        return "unterminated tag <" + name;
      if (xml[j] == '>' || (xml[j] == '/' && j + 1 < n && xml[j + 1] == '>'))
        break;
      const size_t a = j;
      while (j < n && isName(xml[j]))
        ++j;
      const std::string attr = xml.substr(a, j - a);
      if (attr.empty() || j >= n || xml[j] != '=' || j + 1 >= n ||
          (xml[j + 1] != '"' && xml[j + 1] != '\''))
        return "bad attribute in <" + name + "> at " + std::to_string(a);
      for (const auto &s : seen)
        if (s == attr)
          return "duplicate attribute " + attr;
      seen.push_back(attr);
      const char q = xml[j + 1];
      const size_t e = xml.find(q, j + 2);
      if (e == std::string::npos)
        return "unterminated attribute value";
      const std::string value = xml.substr(j + 2, e - j - 2);
      if (value.find('<') != std::string::npos)
        return "'<' in an attribute value";
      j = e + 1;
    }
    if (xml[j] == '/') {
      if (stack.empty())
        ++roots;
      i = j + 2;
    } else {
      if (stack.empty())
        ++roots;
      stack.push_back(name);
      i = j + 1;
    }
  }
  if (!stack.empty())
    return "unclosed <" + stack.back() + ">";
  if (roots != 1)
    return "expected one root element, found " + std::to_string(roots);
  return "";
}

inline size_t countOccurrences(const std::string &text, const std::string &needle) {
  size_t count = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1))
    ++count;
  return count;
}

} // namespace xpu::test
