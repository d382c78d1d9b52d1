// WorkPool: a few threads kept for splitting one request's work, such as matching the sentences of
// a long page. The host answers one message at a time, so a pool runs one job at a time; a job
// given while another runs (e.g. from a second thread in a test) runs on its caller alone.
//
//   WorkPool::shared().run(parts, [&](std::size_t part) { ... });  // parts 0..n-1, then returns
//
// The calling thread takes parts too, so a pool of no workers simply runs them in order. Threads
// are started on first use, not at host start, and sleep between jobs.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace cw {

class WorkPool {
 public:
  // `workers` threads besides the caller's (0: every part runs on the caller).
  explicit WorkPool(std::size_t workers);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;
  WorkPool(WorkPool&&) = delete;
  WorkPool& operator=(WorkPool&&) = delete;

  // The process's pool: one worker fewer than the cores, at most limits::kMaxMatchThreads threads
  // in all.
  static WorkPool& shared();

  // Threads that take part in a job, the caller's included.
  [[nodiscard]] std::size_t threads() const { return workers_.size() + 1; }

  // Calls part(i) once for each i in [0, parts), on the workers and the caller, and returns when
  // all have returned. If a part throws, the first exception is rethrown here once all are done.
  void run(std::size_t parts, const std::function<void(std::size_t)>& part);

 private:
  void work();
  // Takes parts of the current job until none is left; true if this thread finished the last one.
  bool take_parts();

  std::mutex job_mutex_;  // one job at a time
  std::mutex mutex_;      // guards what follows
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(std::size_t)>* part_ = nullptr;
  std::size_t parts_ = 0;
  std::size_t next_ = 0;      // the next part to hand out
  std::size_t finished_ = 0;  // parts that have returned
  std::size_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::vector<std::thread> workers_;
};

}  // namespace cw
