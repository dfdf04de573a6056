// Internal to src/config: a section's keys as a table of typed properties (in the spirit of
// Redpanda's config::property and Fluent Bit's config maps). Each property names its key and knows
// how to read and bound-check its value into the section's struct; the bounds and defaults are
// listed for humans in README.md.
#pragma once

#include <functional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "config/yaml_reader.h"

namespace delta::config::internal {

template <typename Cfg>
struct Property {
  std::string_view key;
  std::function<Status(const Reader&, const Value&, Cfg*)> read;
};

// A number read by `read` (Reader::integer, ::size or ::duration_ms), bounded by [lo, hi], stored
// into `field`.
template <typename Cfg, typename M, typename T>
Property<Cfg> bounded(std::string_view key, Result<T> (Reader::*read)(const Value&, T, T) const,
                      std::type_identity_t<T> lo, std::type_identity_t<T> hi, M Cfg::*field) {
  return {key, [=](const Reader& r, const Value& v, Cfg* cfg) -> Status {
            Result<T> n = (r.*read)(v, lo, hi);
            if (!n) return n.status();
            cfg->*field = static_cast<M>(*n);
            return Status::ok();
          }};
}

// Reads mapping `v` whose keys are those of `props`; keys left out keep their defaults in `cfg`.
template <typename Cfg>
Status read_properties(const Reader& r, const Value& v, std::span<const Property<Cfg>> props,
                       const MapSpec& spec_without_allowed, Cfg* cfg) {
  std::vector<std::string_view> keys;
  for (const Property<Cfg>& p : props) keys.push_back(p.key);
  MapSpec spec = spec_without_allowed;
  spec.allowed = keys;
  return r.each_entry(v, spec, [&](const Entry& e) {
    for (const Property<Cfg>& p : props) {
      if (p.key == e.key) return p.read(r, e.value, cfg);
    }
    return Status::ok();  // not reached: each_entry only lets through the keys of `props`
  });
}

}  // namespace delta::config::internal
