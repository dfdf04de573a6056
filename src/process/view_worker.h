// ViewWorker: runs one view (issue 4, items 5-7). One thread reads the view's stream from the log,
// partition by partition, batch by batch; per event it deduplicates (the stream's dedup field),
// parses the referenced fields once (JsonEventView), filters (`where`), encodes the group key,
// evaluates the aggregates' arguments and adds the event to the WindowOperator; late events go to
// the dead letter queue with reason "late". After each round it advances the watermark and hands
// fired (and early) results, as JSON rows, to the view's sinks (sink::RowTarget) and the live hub.
//
// Offsets and recovery (DESIGN.md "Delivery semantics"): the worker commits a partition's offset
// only (1) after every sink acknowledged every result emitted before, and (2) never past the first
// event of a window whose state is still kept (open or within allowed lateness): it remembers, per
// log read, the read's first offset and its largest event time, and a read is released once every
// event in it is older than the operator's min_open_start() (reads are cut into runs of 256 records). With
// each offset it saves the partition's largest accepted event time before that offset, so a restart replays
// from the checkpoint with the watermark it had there: lateness decisions, and so results, are those of a run
// that was not interrupted. The checkpoint (offsets + those times) is a file written atomically in
// `checkpoint_dir`; the offset is also committed to the log as consumer "view.<name>" so that retention keeps
// what a restart needs.
//
// As a consumer group member (options.group set; Kafka log only, docs/adr/0007): the worker joins the
// group through Log::join_group and reads only the partitions Kafka assigns it. The checkpoint of a
// partition is then its Kafka commit: offset + metadata "delta-view 1 <prefix max> <read through>
// <open start> <view watermark>", committed through the group (no file). On any assignment change
// it first commits what its sinks acknowledged (waiting up to revoke_ack_wait_ms), then drops every
// window and rebuilds from the committed checkpoints of the partitions it owns now: the operator
// gets one watermark slot per owned partition (so the view watermark is the minimum over those),
// the restored view watermark is the minimum of theirs, and each partition keeps its own replay
// floor, so nothing final at a partition's checkpoint is emitted again from partial state.
//
// Nothing is allocated per event after warm-up: the JSON view, key buffer and inputs are reused.
// Threads: start()/stop() from the owner; snapshot() from any thread (copies under a mutex that the
// worker takes once per round). Rebalance callbacks (on_revoked/on_assigned) run on the worker's
// thread inside its group poll, and at stop() on the owner's thread once the worker has joined.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "log/log.h"
#include "obs/metrics.h"
#include "process/dedup.h"
#include "process/expr_json_event.h"
#include "process/view_plan.h"
#include "process/view_results.h"
#include "process/window_operator.h"
#include "runtime/live_hub.h"
#include "sink/sink.h"

namespace delta::process {

struct ViewWorkerOptions {
  std::string checkpoint_dir;           // where <view>.checkpoint lives
  size_t read_bytes = 1 << 20;          // per log read
  int64_t commit_interval_ms = 1000;    // how often offsets are committed
  int64_t poll_ms = 10;                 // sleep when no partition has new events
  std::string group;                    // consumer group to join (Kafka log); empty: own every partition
  int64_t revoke_ack_wait_ms = 10'000;  // on a rebalance, how long to wait for sinks' acks
};

// What GET /v1/views/{view} shows.
struct ViewSnapshot {
  struct Partition {
    int64_t next_offset = 0;       // the next offset the worker reads
    int64_t end_offset = 0;        // the log's end offset when last read
    int64_t committed_offset = 0;  // what a restart would replay from
    int64_t watermark_ms = 0;      // kNoWatermark before the first event
    bool assigned = true;          // this instance reads the partition (always, without a group)
  };
  std::vector<Partition> partitions;
  int64_t view_watermark_ms = 0;
  uint64_t events = 0, accepted = 0, late = 0, duplicates = 0, filtered = 0, results = 0;
  size_t state_entries = 0, state_bytes = 0;
  size_t assigned_partitions = 0;
  uint64_t rebalances = 0;  // assignment changes seen (group members only)
};

class ViewWorker final : private log::PartitionGroup::Listener {
 public:
  // Everything passed in outlives the worker. `targets` are the view's sinks; `dlq` and `hub` may
  // be null (tests).
  ViewWorker(const ViewPlan& plan, log::Log& log, std::vector<sink::RowTarget*> targets,
             sink::DeadLetters* dlq, runtime::LiveHub* hub, obs::Registry& registry, const Clock& clock,
             ViewWorkerOptions options);
  ~ViewWorker() override;

  // Reads the checkpoint, restores watermarks (or, with options.group, joins the group: partitions
  // come with the first assignment), registers the results table with the sinks and starts the thread.
  Status start();
  // Tells the thread to stop after its current round, without waiting. The round may be blocked in
  // a sink's deliver() (its queue full, the sink down): the owner then closes the sinks, which
  // unblocks it, before stop().
  void request_stop();
  // Stops the thread, then commits what the sinks have acknowledged, waiting up to `ack_wait_ms` for
  // acknowledgements still to come (none come once the sinks are closed: pass 0).
  void stop(int64_t ack_wait_ms = 5000);
  ViewSnapshot snapshot() const;
  const ViewPlan& plan() const { return plan_; }

 private:
  struct Chunk {
    int64_t first_offset;
    int64_t max_time;    // the largest event time in the read
    int64_t prefix_max;  // the largest accepted event time before first_offset
  };
  struct PartitionState {
    int64_t next = 0;
    int64_t replay_until = 0;  // after a restart: below it, events were handled before the checkpoint
    int64_t end = 0;
    int64_t accepted_max = kNoWatermark;
    std::deque<Chunk> chunks;
  };
  struct CandidatePart {
    int64_t offset;        // replay from here
    int64_t prefix_max;    // the largest accepted event time before `offset`
    int64_t read_through;  // events below it were read (handled) when the checkpoint was taken
  };
  struct Candidate {  // a checkpoint that can be committed once delivery `seq` is acknowledged
    uint64_t seq;
    int64_t view_watermark;
    int64_t open_start;  // windows starting before it were final (operator min_open_start)
    std::vector<CandidatePart> parts;
  };
  struct Pending {
    uint64_t seq;
    std::shared_ptr<std::atomic<int>> remaining;
  };
  void run();
  bool read_partition(int p);
  void process_record(int p, int64_t offset, int64_t time_ms, std::string_view value, size_t readable);
  void add_staged(int p);
  void emit_round();
  void record_candidate();
  void maybe_commit(bool force);
  Status load_checkpoint();
  Status save_checkpoint(const Candidate& c);
  void publish_snapshot();
  // Consumer-group membership (options.group).
  void on_revoked(const std::vector<int32_t>& partitions) override;
  void on_assigned(const std::vector<int32_t>& partitions) override;
  void settle(int64_t wait_ms);                          // commits what the sinks acknowledge within wait_ms
  void reassigned(std::string_view what, size_t count);  // logs, rebuilds, publishes
  Status rebuild();  // drops all window state; restores the owned partitions' checkpoints
  Status make_operator(int partitions);
  bool commit_group(const Candidate& c);

  const ViewPlan& plan_;
  log::Log& log_;
  std::vector<sink::RowTarget*> targets_;
  sink::DeadLetters* dlq_;
  runtime::LiveHub* hub_;
  const Clock& clock_;
  ViewWorkerOptions options_;
  std::string consumer_;
  std::string stage_;
  std::string topic_;

  std::unique_ptr<WindowOperator> op_;
  std::unique_ptr<ResultCollector> collector_;
  std::unique_ptr<Deduplicator> dedup_;
  JsonEventView view_;
  std::optional<CompiledExpr> dedup_id_, where_;
  std::vector<CompiledExpr> keys_, args_;  // args_[i] for aggregate arg_index_[i]
  std::vector<int> arg_of_;                // per aggregate: index in args_, or -1
  std::vector<AggInput> inputs_;
  std::string key_;
  struct Staged {  // an event parsed, filtered and keyed, waiting for its window add
    int64_t time_ms;
    std::string_view value;  // into the current read's batch
    uint64_t hash;
    uint32_t key_at, key_len;  // in staged_keys_
    bool replayed;
  };
  std::vector<Staged> staged_;
  std::string staged_keys_;
  std::vector<AggInput> staged_inputs_;  // inputs_.size() per staged event
  std::vector<PartitionState> parts_;
  log::ReadResult read_;  // reused from read to read; staged events point into it until add_staged
  std::deque<Pending> pending_;
  std::deque<Candidate> candidates_;
  uint64_t seq_ = 0;
  bool dlq_dirty_ = false;
  int64_t last_commit_ms_ = 0, last_early_ms_ = 0;
  std::vector<int64_t> committed_;
  std::vector<int64_t> floor_;  // per partition, after a restart: replayed events older were final
  std::unique_ptr<log::PartitionGroup> group_;
  std::vector<char> owned_;  // per partition: this worker reads it
  std::vector<int> local_;   // per partition: its watermark slot in op_, -1 when not owned
  bool rebuild_pending_ = false;
  int64_t revoke_wait_ms_ = 0;

  ViewSnapshot stats_;
  mutable std::mutex snapshot_mu_;
  ViewSnapshot snapshot_;  // GUARDED_BY(snapshot_mu_)

  obs::Counter *events_, *late_, *results_, *duplicates_;
  obs::Counter* rebalances_;
  obs::Gauge *entries_, *state_bytes_, *watermark_, *assigned_;
  std::vector<obs::Gauge*> lag_, partition_watermark_;

  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace delta::process
