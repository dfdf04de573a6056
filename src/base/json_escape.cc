#include "base/json_escape.h"

namespace delta::json {

void append_escaped(std::string& out, std::string_view s) {
  size_t run = 0;  // start of the bytes not yet appended
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!needs_escape(c)) continue;
    out.append(s.data() + run, i - run);
    char buf[6];
    out.append(buf, static_cast<size_t>(write_escape(buf, c) - buf));
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
}

}  // namespace delta::json
