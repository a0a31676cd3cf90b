// SVG writer: escaping, number formatting, colour scales, elements.
#include "xpu/emu/Svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace xpu::emu::svg {

std::string escape(const std::string &text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&apos;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string number(double v, int digits) {
  if (!std::isfinite(v))
    return "0";
  if (std::fabs(v) < 1e-12)
    return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string heatColor(double t) {
  static const double stops[][3] = {{68, 1, 84},    {59, 82, 139}, {33, 145, 140},
                                    {94, 201, 98},  {253, 231, 37}};
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  const double pos = t * 4;
  const int i = std::min(3, int(pos));
  const double f = pos - i;
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x",
                int(std::lround(stops[i][0] + f * (stops[i + 1][0] - stops[i][0]))),
                int(std::lround(stops[i][1] + f * (stops[i + 1][1] - stops[i][1]))),
                int(std::lround(stops[i][2] + f * (stops[i + 1][2] - stops[i][2]))));
  return buf;
}

std::string seriesColor(size_t i) {
  static const char *palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return palette[i % 10];
}

std::vector<double> niceTicks(double lo, double hi, int count) {
  if (!(hi > lo)) {
    hi = lo + 1;
  }
  const double raw = (hi - lo) / std::max(1, count);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> ticks;
  // From the last multiple of step at or below lo to the first at or above
  // hi, so the ticks enclose the data.
  const long first = long(std::floor(lo / step + 1e-9));
  const long last = long(std::ceil(hi / step - 1e-9));
  for (long k = first; k <= last; ++k)
    ticks.push_back(k == 0 ? 0.0 : double(k) * step);
  return ticks;
}

Document::Document(double width, double height) : width_(width), height_(height) {}

void Document::rect(double x, double y, double w, double h, const std::string &fill,
                    const std::string &cls, const std::string &title,
                    const std::string &stroke) {
  body_ += "<rect";
  if (!cls.empty())
    body_ += " class=\"" + escape(cls) + "\"";
  body_ += " x=\"" + number(x, 6) + "\" y=\"" + number(y, 6) + "\" width=\"" +
           number(w, 6) + "\" height=\"" + number(h, 6) + "\" fill=\"" + escape(fill) + "\"";
  if (!stroke.empty())
    body_ += " stroke=\"" + escape(stroke) + "\"";
  if (title.empty())
    body_ += "/>\n";
  else
    body_ += "><title>" + escape(title) + "</title></rect>\n";
}

void Document::line(double x1, double y1, double x2, double y2, const std::string &stroke,
                    double strokeWidth, const std::string &dash) {
  body_ += "<line x1=\"" + number(x1, 6) + "\" y1=\"" + number(y1, 6) + "\" x2=\"" +
           number(x2, 6) + "\" y2=\"" + number(y2, 6) + "\" stroke=\"" + escape(stroke) +
           "\" stroke-width=\"" + number(strokeWidth) + "\"";
  if (!dash.empty())
    body_ += " stroke-dasharray=\"" + escape(dash) + "\"";
  body_ += "/>\n";
}

void Document::text(double x, double y, const std::string &text, double size,
                    const std::string &anchor, const std::string &extra) {
  body_ += "<text x=\"" + number(x, 6) + "\" y=\"" + number(y, 6) + "\" font-size=\"" +
           number(size) + "\" text-anchor=\"" + escape(anchor) + "\"";
  if (!extra.empty())
    body_ += " " + extra;
  body_ += ">" + escape(text) + "</text>\n";
}

void Document::polyline(const std::vector<std::pair<double, double>> &points,
                        const std::string &stroke, double strokeWidth,
                        const std::string &dash) {
  body_ += "<polyline fill=\"none\" stroke=\"" + escape(stroke) + "\" stroke-width=\"" +
           number(strokeWidth) + "\"";
  if (!dash.empty())
    body_ += " stroke-dasharray=\"" + escape(dash) + "\"";
  body_ += " points=\"";
  for (size_t i = 0; i < points.size(); ++i)
    body_ += (i ? " " : "") + number(points[i].first, 6) + "," + number(points[i].second, 6);
  body_ += "\"/>\n";
}

void Document::circle(double x, double y, double r, const std::string &fill,
                      const std::string &title) {
  body_ += "<circle cx=\"" + number(x, 6) + "\" cy=\"" + number(y, 6) + "\" r=\"" +
           number(r) + "\" fill=\"" + escape(fill) + "\"";
  if (title.empty())
    body_ += "/>\n";
  else
    body_ += "><title>" + escape(title) + "</title></circle>\n";
}

std::string Document::str() const {
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + number(width_, 6) +
       "\" height=\"" + number(height_, 6) + "\" viewBox=\"0 0 " + number(width_, 6) + " " +
       number(height_, 6) + "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
  if (!defs_.empty())
    s += "<defs>\n" + defs_ + "</defs>\n";
  s += "<rect x=\"0\" y=\"0\" width=\"" + number(width_, 6) + "\" height=\"" +
       number(height_, 6) + "\" fill=\"white\"/>\n";
  s += body_;
  s += "</svg>\n";
  return s;
}

} // namespace xpu::emu::svg
