#include "common/work_pool.h"

#include <algorithm>

#include "common/limits.h"

namespace cw {

WorkPool::WorkPool(std::size_t workers) {
  workers_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

WorkPool::~WorkPool() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

WorkPool& WorkPool::shared() {
  static WorkPool pool([] {
    const std::size_t cores = std::max(1U, std::thread::hardware_concurrency());
    return std::min<std::size_t>(cores, limits::kMaxMatchThreads) - 1;
  }());
  return pool;
}

bool WorkPool::take_parts() {
  std::unique_lock lock(mutex_);
  bool finished_last = false;
  while (part_ != nullptr && next_ < parts_) {
    const std::size_t i = next_++;
    const auto* part = part_;
    lock.unlock();
    std::exception_ptr failure;
    try {
      (*part)(i);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    if (failure && !failure_) failure_ = failure;
    finished_last = ++finished_ == parts_;
  }
  return finished_last;
}

void WorkPool::work() {
  std::size_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    if (take_parts()) done_.notify_all();
  }
}

void WorkPool::run(std::size_t parts, const std::function<void(std::size_t)>& part) {
  if (parts == 0) return;
  std::unique_lock job(job_mutex_, std::try_to_lock);
  if (workers_.empty() || parts == 1 || !job.owns_lock()) {
    for (std::size_t i = 0; i < parts; ++i) part(i);
    return;
  }
  {
    const std::lock_guard lock(mutex_);
    part_ = &part;
    parts_ = parts;
    next_ = 0;
    finished_ = 0;
    failure_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  take_parts();
  std::exception_ptr failure;
  {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return finished_ == parts_; });
    part_ = nullptr;  // a worker waking late finds nothing to take
    failure = std::exchange(failure_, nullptr);
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace cw
