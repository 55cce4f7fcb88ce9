#include "job_runner.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "dendrite/thread_pool.h"

namespace dendrite {
namespace binding {
namespace {

// How long a terminating environment waits for its jobs after cancelling them (a span stops
// after its current batch). Past it the environment ends anyway: the job keeps its own state
// alive (shared_ptr) but no longer holds up the environment's end.
constexpr auto kTeardownWait = std::chrono::seconds(10);
// How long a job thread with nothing to do waits for the next job before it ends.
constexpr auto kIdleThread = std::chrono::seconds(2);

// dendrite's job threads: one per running job (a long span never waits for another job). A
// finished one waits a little for the next job: a thread per call would double the cost of a
// small predictAsync. Never destroyed (an idle thread may still wait at exit()).
class JobThreads {
 public:
  void submit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (idle_ > 0) {
        --idle_;  // claimed: that thread takes this task
        tasks_.push_back(std::move(task));
        wake_.notify_one();
        return;
      }
    }
    std::thread([this, first = std::move(task)]() mutable {
      lower_thread_priority();
      first();
      first = nullptr;
      serve();
    }).detach();
  }

 private:
  void serve() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ++idle_;
      if (!wake_.wait_for(lock, kIdleThread, [&] { return !tasks_.empty(); })) {
        --idle_;
        return;
      }
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      task = nullptr;  // its captures go before the thread waits again
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  size_t idle_ = 0;  // waiting threads not yet claimed by a task
};
auto* job_threads = new JobThreads();

struct Job {
  JobSpec spec;
  napi_deferred deferred = nullptr;
  JobOutcome outcome;  // written before `finished`, under EnvJobs::mu
  bool finished = false;
};

// The jobs of one environment. Shared with the job threads (a detached one outlives the env).
struct EnvJobs {
  napi_env env = nullptr;
  napi_threadsafe_function tsfn = nullptr;
  bool referenced = false;  // the tsfn keeps the loop alive while jobs are pending (JS thread)
  std::mutex mu;
  std::condition_variable changed;
  bool closing = false;                     // the env is terminating: settle nothing
  std::list<std::shared_ptr<Job>> pending;  // changed on the JS thread only, read under mu
};

std::mutex registry_mu;
// Leaked on purpose: no exit-time destructor may run while another thread still looks it up.
auto* registry = new std::unordered_map<napi_env, std::shared_ptr<EnvJobs>>();

// Any thread: records the outcome and wakes the JS thread.
void Finish(const std::shared_ptr<EnvJobs>& jobs, const std::shared_ptr<Job>& job, JobOutcome outcome) {
  std::lock_guard<std::mutex> lock(jobs->mu);
  job->outcome = std::move(outcome);
  job->finished = true;
  jobs->changed.notify_all();
  // Never after the cleanup hook: the tsfn may be gone then.
  if (!jobs->closing) napi_call_threadsafe_function(jobs->tsfn, nullptr, napi_tsfn_nonblocking);
}

// JS thread: settles one finished job. Only the C API, statuses ignored: nothing here throws.
void Settle(napi_env env, Job& job) {
  try {
    if (job.spec.settled) job.spec.settled();
  } catch (...) {  // e.g. an Unref that failed: the promise must settle regardless
  }
  napi_value value = nullptr;
  napi_create_double(env, job.outcome.value, &value);
  if (job.outcome.error.empty()) {
    if (job.spec.resolves_undefined) napi_get_undefined(env, &value);
    napi_resolve_deferred(env, job.deferred, value);
  } else {
    napi_value message = nullptr, error = nullptr;
    napi_create_string_utf8(env, job.outcome.error.c_str(), job.outcome.error.size(), &message);
    napi_create_error(env, nullptr, message, &error);
    if (error) napi_set_named_property(env, error, "done", value);
    napi_reject_deferred(env, job.deferred, error);
  }
  job.deferred = nullptr;
  job.spec.keep.clear();
}

// The tsfn's call_js: settles every finished job. env is null when the tsfn is being torn down.
void Complete(napi_env env, napi_value, void* context, void*) {
  if (!env) return;
  auto* jobs = static_cast<EnvJobs*>(context);
  std::vector<std::shared_ptr<Job>> done;
  {
    std::lock_guard<std::mutex> lock(jobs->mu);
    if (jobs->closing) return;
    for (auto it = jobs->pending.begin(); it != jobs->pending.end();) {
      if ((*it)->finished) {
        done.push_back(std::move(*it));
        it = jobs->pending.erase(it);
      } else {
        ++it;
      }
    }
    if (jobs->pending.empty() && jobs->referenced) {
      napi_unref_threadsafe_function(env, jobs->tsfn);
      jobs->referenced = false;
    }
  }
  for (auto& job : done) Settle(env, *job);
}

// The env's cleanup hook (its own thread, before the env's objects and memory go): cancel,
// wait, settle nothing. Registered after the tsfn, so it runs before the tsfn's own teardown.
void Teardown(void* arg) {
  auto* holder = static_cast<std::shared_ptr<EnvJobs>*>(arg);
  const std::shared_ptr<EnvJobs> jobs = std::move(*holder);
  delete holder;
  {
    std::lock_guard<std::mutex> lock(registry_mu);
    registry->erase(jobs->env);
  }
  std::list<std::shared_ptr<Job>> pending;
  {
    std::lock_guard<std::mutex> lock(jobs->mu);
    jobs->closing = true;
    pending.swap(jobs->pending);
  }
  for (auto& job : pending) {
    try {
      if (job->spec.cancel) job->spec.cancel();
    } catch (...) {
    }
  }
  {
    std::unique_lock<std::mutex> lock(jobs->mu);
    jobs->changed.wait_for(lock, kTeardownWait, [&] {
      for (const auto& job : pending)
        if (!job->finished) return false;
      return true;
    });
  }
  // A job still running past the wait holds its Job and EnvJobs (shared_ptr) until it ends.
  for (auto& job : pending) {
    for (auto& ref : job->spec.keep) ref.SuppressDestruct();  // the env frees its own references
    job->spec.keep.clear();
  }
}

void DeleteHolder(napi_env, void* data, void*) { delete static_cast<std::shared_ptr<EnvJobs>*>(data); }

std::shared_ptr<EnvJobs> ForEnv(Napi::Env env) {
  {
    std::lock_guard<std::mutex> lock(registry_mu);
    auto it = registry->find(env);
    if (it != registry->end()) return it->second;
  }
  auto jobs = std::make_shared<EnvJobs>();
  jobs->env = env;
  // The tsfn's context stays valid until its finalizer, whatever the order of teardown.
  auto* tsfn_holder = new std::shared_ptr<EnvJobs>(jobs);
  napi_status status = napi_create_threadsafe_function(env, nullptr, nullptr, Napi::String::New(env, "dendrite-job"), 0, 1,
                                                       tsfn_holder, DeleteHolder, jobs.get(), Complete, &jobs->tsfn);
  if (status != napi_ok) {
    delete tsfn_holder;
    throw Napi::Error::New(env, "native jobs: could not create the completion function");
  }
  napi_unref_threadsafe_function(env, jobs->tsfn);
  napi_add_env_cleanup_hook(env, Teardown, new std::shared_ptr<EnvJobs>(jobs));
  std::lock_guard<std::mutex> lock(registry_mu);
  registry->emplace(env, jobs);
  return jobs;
}

// JS thread: a pending job with its promise.
std::shared_ptr<Job> Enqueue(Napi::Env env, EnvJobs& jobs, JobSpec spec, napi_value* promise) {
  auto job = std::make_shared<Job>();
  job->spec = std::move(spec);
  if (napi_create_promise(env, &job->deferred, promise) != napi_ok) throw Napi::Error::New(env, "native jobs: could not create a promise");
  {
    std::lock_guard<std::mutex> lock(jobs.mu);
    jobs.pending.push_back(job);
    if (!jobs.referenced) {
      napi_ref_threadsafe_function(env, jobs.tsfn);
      jobs.referenced = true;
    }
  }
  return job;
}

// JS thread: the job could not start; it settles now with `outcome`.
void Withdraw(napi_env env, EnvJobs& jobs, const std::shared_ptr<Job>& job, JobOutcome outcome) {
  {
    std::lock_guard<std::mutex> lock(jobs.mu);
    jobs.pending.remove(job);
  }
  job->outcome = std::move(outcome);
  Settle(env, *job);
}

}  // namespace

Napi::Promise RunJob(Napi::Env env, JobSpec spec, std::function<JobOutcome()> work) {
  const std::shared_ptr<EnvJobs> jobs = ForEnv(env);
  napi_value promise;
  const std::shared_ptr<Job> job = Enqueue(env, *jobs, std::move(spec), &promise);
  try {
    job_threads->submit([jobs, job, work = std::move(work)]() mutable {
      JobOutcome outcome;
      try {
        outcome = work();
      } catch (const std::exception& e) {  // nothing may cross the thread boundary
        outcome.error = std::string("native job failed: ") + e.what();
      } catch (...) {
        outcome.error = "native job failed: unknown error";
      }
      work = nullptr;  // what it holds goes before the job counts as finished
      Finish(jobs, job, std::move(outcome));
    });
  } catch (const std::exception& e) {  // no thread could be started (resource limits)
    Withdraw(env, *jobs, job, JobOutcome{0, std::string("native job: could not start a thread (") + e.what() + ")"});
  }
  return Napi::Promise(env, promise);
}

Napi::Promise AwaitJob(Napi::Env env, JobSpec spec, const std::function<void(JobFinish)>& begin) {
  const std::shared_ptr<EnvJobs> jobs = ForEnv(env);
  napi_value promise;
  const std::shared_ptr<Job> job = Enqueue(env, *jobs, std::move(spec), &promise);
  try {
    begin([jobs, job](JobOutcome outcome) { Finish(jobs, job, std::move(outcome)); });
  } catch (...) {
    // The caller throws instead: the promise (never returned) resolves, so that no unhandled
    // rejection follows.
    Withdraw(env, *jobs, job, JobOutcome{});
    throw;
  }
  return Napi::Promise(env, promise);
}

}  // namespace binding
}  // namespace dendrite
