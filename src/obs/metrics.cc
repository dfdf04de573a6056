#include "obs/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace delta::obs {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double seconds) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(std::max(0.0, seconds) * 1e9), std::memory_order_relaxed);
}

double Histogram::sum() const { return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9; }

std::vector<double> Histogram::latency_bounds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Registry::Series& Registry::find_or_add(std::string_view name, std::string_view help, Kind kind,
                                        Labels labels) {
  std::lock_guard lock(mu_);
  Family* family = nullptr;
  for (auto& f : families_) {
    if (f->name == name) family = f.get();
  }
  if (family == nullptr) {
    families_.push_back(std::make_unique<Family>(Family{std::string(name), std::string(help), kind, {}}));
    family = families_.back().get();
  }
  for (auto& s : family->series) {
    if (s->labels == labels) return *s;
  }
  family->series.push_back(std::make_unique<Series>());
  family->series.back()->labels = std::move(labels);
  return *family->series.back();
}

Counter& Registry::counter(std::string_view name, std::string_view help, Labels labels) {
  Series& s = find_or_add(name, help, Kind::kCounter, std::move(labels));
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, Labels labels) {
  Series& s = find_or_add(name, help, Kind::kGauge, std::move(labels));
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, Labels labels,
                               std::vector<double> bounds) {
  Series& s = find_or_add(name, help, Kind::kHistogram, std::move(labels));
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(std::move(bounds));
  return *s.histogram;
}

namespace {

void append_escaped(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void append_labels(std::string& out, const Labels& labels, std::string_view extra_key = {},
                   std::string_view extra_value = {}) {
  if (labels.empty() && extra_key.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    append_escaped(out, v);
    out += '"';
  }
  if (!extra_key.empty()) {
    if (!first) out += ',';
    out += extra_key;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

std::string format_double(double v) {
  if (std::isinf(v)) return "+Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

std::string Registry::expose() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& f : families_) {
    static constexpr const char* kTypes[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + f->name + " " + f->help + "\n";
    out += "# TYPE " + f->name + " " + kTypes[static_cast<int>(f->kind)] + "\n";
    for (const auto& s : f->series) {
      if (s->counter || s->gauge) {
        out += f->name;
        append_labels(out, s->labels);
        out += ' ';
        out += s->counter ? std::to_string(s->counter->value()) : std::to_string(s->gauge->value());
        out += '\n';
        continue;
      }
      const Histogram& h = *s->histogram;
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= h.bounds().size(); ++i) {
        cumulative += h.bucket(i);
        double le = i < h.bounds().size() ? h.bounds()[i] : INFINITY;
        out += f->name + "_bucket";
        append_labels(out, s->labels, "le", format_double(le));
        out += ' ' + std::to_string(cumulative) + '\n';
      }
      out += f->name + "_sum";
      append_labels(out, s->labels);
      out += ' ' + format_double(h.sum()) + '\n';
      out += f->name + "_count";
      append_labels(out, s->labels);
      out += ' ' + std::to_string(h.count()) + '\n';
    }
  }
  return out;
}

}  // namespace delta::obs
