// A minimal SVG writer for the report figures (heat maps, curves): plain
// strings, no dependencies, deterministic output (fixed number formatting),
// so figures can be committed and compared byte for byte.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace xpu::emu::svg {

/// Escapes &, <, >, " and ' for XML text and attribute values.
std::string escape(const std::string &text);
/// A number with at most `digits` significant digits, no exponent for
/// ordinary magnitudes, no trailing zeros ("0.25", "1200", "3.5e-07").
std::string number(double v, int digits = 4);
/// A colour of the sequential heat scale (t in [0, 1], clamped): dark
/// blue-purple through teal and green to yellow (viridis control points).
std::string heatColor(double t);
/// The i-th colour of a categorical palette (for series).
std::string seriesColor(size_t i);
/// About `count` round tick values enclosing [lo, hi].
std::vector<double> niceTicks(double lo, double hi, int count);

class Document {
public:
  Document(double width, double height);
  double width() const { return width_; }
  double height() const { return height_; }
  /// Raw markup inside <defs> (gradients).
  void def(const std::string &markup) { defs_ += markup; }
  /// `title` non-empty adds a tooltip (<title> child). `cls` sets class=.
  void rect(double x, double y, double w, double h, const std::string &fill,
            const std::string &cls = "", const std::string &title = "",
            const std::string &stroke = "");
  void line(double x1, double y1, double x2, double y2, const std::string &stroke,
            double strokeWidth = 1, const std::string &dash = "");
  void text(double x, double y, const std::string &text, double size = 12,
            const std::string &anchor = "start", const std::string &extra = "");
  void polyline(const std::vector<std::pair<double, double>> &points,
                const std::string &stroke, double strokeWidth = 1.5,
                const std::string &dash = "");
  void circle(double x, double y, double r, const std::string &fill,
              const std::string &title = "");
  /// The complete document (XML declaration, svg root, defs, body).
  std::string str() const;

private:
  double width_, height_;
  std::string defs_, body_;
};

} // namespace xpu::emu::svg
