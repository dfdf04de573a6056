#include "process/window_operator.h"

#include "process/window_paned.h"
#include "process/window_session.h"

namespace delta::process {
namespace {

Status check(const WindowSpec& s, const WatermarkOptions& w) {
  if (s.allowed_lateness_ms < 0) return Status::invalid_argument("window: allowed_lateness must be >= 0");
  if (w.partitions < 1) return Status::invalid_argument("window: a view needs at least one partition");
  if (w.out_of_orderness_ms < 0) return Status::invalid_argument("window: out-of-orderness must be >= 0");
  switch (s.kind) {
    case WindowKind::kTumbling:
      if (s.size_ms <= 0) return Status::invalid_argument("window: tumbling size must be > 0");
      break;
    case WindowKind::kHopping:
      if (s.size_ms <= 0 || s.slide_ms <= 0)
        return Status::invalid_argument("window: hopping size and slide must be > 0");
      if (s.size_ms % s.slide_ms != 0)
        return Status::invalid_argument("window: hopping size must be a multiple of slide");
      break;
    case WindowKind::kSession:
      if (s.gap_ms <= 0) return Status::invalid_argument("window: session gap must be > 0");
      break;
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<WindowOperator>> WindowOperator::make(const WindowSpec& spec, const AggLayout* layout,
                                                             WatermarkOptions watermarks,
                                                             const Clock* clock) {
  DELTA_RETURN_IF_ERROR(check(spec, watermarks));
  std::unique_ptr<WindowOperator> op;
  switch (spec.kind) {
    case WindowKind::kTumbling:
      op = std::make_unique<PanedWindowOperator>(spec.size_ms, spec.size_ms, spec.allowed_lateness_ms, layout,
                                                 watermarks, clock);
      break;
    case WindowKind::kHopping:
      op = std::make_unique<PanedWindowOperator>(spec.size_ms, spec.slide_ms, spec.allowed_lateness_ms,
                                                 layout, watermarks, clock);
      break;
    case WindowKind::kSession:
      op = std::make_unique<SessionWindowOperator>(spec.gap_ms, spec.allowed_lateness_ms, layout, watermarks,
                                                   clock);
      break;
  }
  return op;
}

}  // namespace delta::process
